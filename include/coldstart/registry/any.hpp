#pragma once
// Type-erased strategies: value types that model the library's concepts, so whatever the
// registry builds by name plugs into every template (CachedEmbedder, ActiveLearningLoop)
// unchanged. The only type erasure in the library: algorithms stay templates.

#include <boost/json/object.hpp>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "coldstart/acquire/concept.hpp"
#include "coldstart/cluster/concept.hpp"
#include "coldstart/embed/concept.hpp"
#include "coldstart/error.hpp"
#include "coldstart/select/concept.hpp"

namespace coldstart::registry {

/// The name and parameters a registry entry was built with, as every type-erased strategy
/// reports them in manifests.
class Described {
 public:
  Described(std::string name, boost::json::object params)
      : name_(std::move(name)), params_(std::move(params)) {}
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const boost::json::object& params() const noexcept { return params_; }
  /// {name, params} for manifests.
  [[nodiscard]] boost::json::object describe() const {
    return {{"name", name_}, {"params", params_}};
  }

 private:
  std::string name_;
  boost::json::object params_;
};

/// Any embed::DescribedEmbedder behind one move-only value.
class AnyEmbedder {
 public:
  template <embed::DescribedEmbedder E>
  explicit AnyEmbedder(E e) : self_(std::make_unique<Model<E>>(std::move(e))) {}

  [[nodiscard]] RowMatrixXf embed(std::span<const io::Image> images) {
    return self_->embed(images);
  }
  [[nodiscard]] Index dim() const { return self_->dim(); }
  [[nodiscard]] std::string name() const { return self_->name(); }
  [[nodiscard]] boost::json::object card() const { return self_->card(); }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual RowMatrixXf embed(std::span<const io::Image> images) = 0;
    virtual Index dim() = 0;
    virtual std::string name() = 0;
    virtual boost::json::object card() const = 0;
  };
  template <class E>
  struct Model final : Concept {
    explicit Model(E e) : e_(std::move(e)) {}
    RowMatrixXf embed(std::span<const io::Image> images) override { return e_.embed(images); }
    Index dim() override { return static_cast<Index>(e_.dim()); }
    std::string name() override { return std::string(e_.name()); }
    boost::json::object card() const override { return e_.card(); }
    E e_;
  };
  std::unique_ptr<Concept> self_;
};

static_assert(embed::DescribedEmbedder<AnyEmbedder>);

/// Any select::InitialSelector behind one copyable value.
class AnySelector : public Described {
 public:
  template <select::InitialSelector S>
  AnySelector(std::string name, S s, boost::json::object params)
      : Described(std::move(name), std::move(params)),
        self_(std::make_shared<Model<S>>(std::move(s))) {}

  [[nodiscard]] select::Selection select(EmbeddingsView x, Index budget,
                                         const select::SelectionContext& ctx, Rng& rng) const {
    return self_->select(x, budget, ctx, rng);
  }
  /// True when the selector picks from one clustering it can report: a member
  /// `clustering(x, k, rng)` (kmeans-paper, kmeans-centroid, kmedoids); `coldstart cluster`.
  [[nodiscard]] bool has_clustering() const noexcept { return self_->has_clustering(); }
  /// The clustering the selector picks from for k clusters with this rng (the same seed as
  /// select gives the same clustering). InvalidArgument when has_clustering() is false.
  [[nodiscard]] cluster::Clustering clustering(EmbeddingsView x, Index k, Rng& rng) const {
    COLDSTART_CHECK(has_clustering(), InvalidArgument,
                    "selector '{}' does not pick from one clustering", name());
    return self_->clustering(x, k, rng);
  }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual select::Selection select(EmbeddingsView x, Index budget,
                                     const select::SelectionContext& ctx, Rng& rng) const = 0;
    virtual bool has_clustering() const noexcept = 0;
    virtual cluster::Clustering clustering(EmbeddingsView x, Index k, Rng& rng) const = 0;
  };
  template <class S>
  struct Model final : Concept {
    static constexpr bool kClusters = requires(const S& s, EmbeddingsView x, Index k, Rng& r) {
      { s.clustering(x, k, r) } -> std::same_as<cluster::Clustering>;
    };
    explicit Model(S s) : s_(std::move(s)) {}
    select::Selection select(EmbeddingsView x, Index budget, const select::SelectionContext& ctx,
                             Rng& rng) const override {
      return s_.select(x, budget, ctx, rng);
    }
    bool has_clustering() const noexcept override { return kClusters; }
    cluster::Clustering clustering(EmbeddingsView x, Index k, Rng& rng) const override {
      if constexpr (kClusters)
        return s_.clustering(x, k, rng);
      else
        return {};  // unreachable: AnySelector::clustering checks has_clustering() first
    }
    S s_;
  };
  std::shared_ptr<const Concept> self_;  // immutable, so sharing is a copy
};

static_assert(select::InitialSelector<AnySelector>);

/// Any acquire::AcquisitionFunction behind one copyable value.
class AnyAcquisition : public Described {
 public:
  template <acquire::AcquisitionFunction A>
  AnyAcquisition(std::string name, A a, boost::json::object params)
      : Described(std::move(name), std::move(params)),
        self_(std::make_shared<Model<A>>(std::move(a))) {}

  [[nodiscard]] Eigen::VectorXd score(const acquire::ModelOutputs& out,
                                      const acquire::AcquisitionContext& ctx) const {
    return self_->score(out, ctx);
  }
  [[nodiscard]] std::vector<Index> select(const acquire::ModelOutputs& out,
                                          const acquire::AcquisitionContext& ctx, Index batch,
                                          Rng& rng) const {
    return self_->select(out, ctx, batch, rng);
  }

 private:
  struct Concept {
    virtual ~Concept() = default;
    virtual Eigen::VectorXd score(const acquire::ModelOutputs& out,
                                  const acquire::AcquisitionContext& ctx) const = 0;
    virtual std::vector<Index> select(const acquire::ModelOutputs& out,
                                      const acquire::AcquisitionContext& ctx, Index batch,
                                      Rng& rng) const = 0;
  };
  template <class A>
  struct Model final : Concept {
    explicit Model(A a) : a_(std::move(a)) {}
    Eigen::VectorXd score(const acquire::ModelOutputs& out,
                          const acquire::AcquisitionContext& ctx) const override {
      return a_.score(out, ctx);
    }
    std::vector<Index> select(const acquire::ModelOutputs& out,
                              const acquire::AcquisitionContext& ctx, Index batch,
                              Rng& rng) const override {
      return a_.select(out, ctx, batch, rng);
    }
    A a_;
  };
  std::shared_ptr<const Concept> self_;
};

static_assert(acquire::AcquisitionFunction<AnyAcquisition>);

}  // namespace coldstart::registry
