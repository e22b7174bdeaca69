#pragma once
// The one registry of named parts: selectors, acquisition functions (here, in the core library),
// encoders and learners (registry/encoders.hpp, registry/learners.hpp, in coldstart::torch).
// Every front end derives from it: the CLI's choices, help and checks, ExperimentConfig's
// validation, manifests, the docs tables, the contract test suites. (FAISS's index_factory is
// the one string → object factory every front end of FAISS uses; this is ours.)
//
// A user's program adds its own strategy at run time and then uses it by name everywhere:
//
//   registry::selectors().add(registry::selector_entry<MySelector>(
//       "my-strategy", "one line saying what it picks and why"));
//   loop::ExperimentConfig cfg;  cfg.strategies = {"random", "my-strategy"};
//
// Entries are added at start-up, before any thread looks names up; the registry itself does not
// lock.

#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/registry/any.hpp"
#include "coldstart/registry/params_json.hpp"

namespace coldstart::registry {

/// The selector every front end (CLI `select`/`run`, the experiment, Python `select`) uses when
/// none is named: the default pipeline's strategy, chosen by docs/decision_rule.md
/// (docs/results/session13-rule.md: kmeans-centroid-cosine since session 13; kmeans-centroid in
/// sessions 9–12; TypiClust from round 2 to session 8, until a U-Net trained long enough showed
/// its picks Holm-worse than random on segmentation). One constant, so the front ends cannot
/// disagree.
inline constexpr const char* kDefaultSelector = "kmeans-centroid-cosine";

/// What a part reads.
enum class Input {
  kEmbeddings,          ///< selectors: the pool's n×d embeddings
  kProbs,               ///< acquisition: class probabilities (n×C)
  kMcProbs,             ///< acquisition: Monte-Carlo dropout passes (T × n×C)
  kProbMaps,            ///< acquisition: per-pixel foreground probabilities (n maps)
  kProbsAndEmbeddings,  ///< acquisition: probabilities and the learner's features
  kAnyOutputs,          ///< acquisition: probabilities or maps, only to count the pool
  kImages,              ///< encoders and pixel learners: images
  kFeatures,            ///< feature learners: embeddings of a fixed encoder
};
[[nodiscard]] const char* to_string(Input in);

/// Context-free factories (selectors, acquisition functions) take no context.
struct NoContext {};

/// One named part: what it is, what it reads, its parameters and how to build it.
template <class Product, class Context = NoContext>
struct Entry {
  std::string name;         ///< unique within its registry; what users type
  std::string description;  ///< one line: what it does and when to use it
  Input input = Input::kEmbeddings;
  std::vector<ParamInfo> params;  ///< declared parameters with their defaults
  /// Builds the part from parameter overrides (a JSON object of declared names; {} = defaults).
  /// Throws InvalidArgument for unknown names or bad values.
  std::function<Product(const boost::json::object& params, const Context& ctx)> make;
};

/// Name → Entry, in registration order.
template <class Product, class Context = NoContext>
class Registry {
 public:
  using EntryType = Entry<Product, Context>;

  /// `kind` names the registry in messages ("selector", "acquisition function", ...).
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  /// Adds `e`. Throws InvalidArgument for an empty name, a name taken, or no factory.
  void add(EntryType e) {
    COLDSTART_CHECK(!e.name.empty() && e.make, InvalidArgument,
                    "{} registry: an entry needs a name and a factory", kind_);
    COLDSTART_CHECK(!contains(e.name), InvalidArgument,
                    "{} registry: the name '{}' is already registered", kind_, e.name);
    entries_.push_back(std::move(e));
  }

  [[nodiscard]] bool contains(std::string_view name) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const EntryType& e) { return e.name == name; });
  }

  /// The entry named `name`. Throws InvalidArgument "unknown <kind> 'x' (expected a, b, c)".
  [[nodiscard]] const EntryType& at(std::string_view name) const {
    for (const auto& e : entries_)
      if (e.name == name) return e;
    throw InvalidArgument("unknown " + kind_ + " '" + std::string(name) + "' (expected " +
                          joined_names() + ")");
  }

  [[nodiscard]] Product make(std::string_view name, const boost::json::object& params = {},
                             const Context& ctx = {}) const {
    return at(name).make(params, ctx);
  }

  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : entries_) out.push_back(e.name);
    return out;
  }
  /// "a, b, c".
  [[nodiscard]] std::string joined_names(std::string_view sep = ", ") const {
    std::string out;
    for (const auto& e : entries_) out += (out.empty() ? "" : std::string(sep)) + e.name;
    return out;
  }
  [[nodiscard]] const std::vector<EntryType>& entries() const noexcept { return entries_; }
  [[nodiscard]] const std::string& kind() const noexcept { return kind_; }

 private:
  std::string kind_;
  std::vector<EntryType> entries_;
};

/// A parameter value as help and docs print it: true, 20, 0.95, "imagenet".
[[nodiscard]] std::string value_text(const boost::json::value& v);

/// "k_nn=20, alpha=0.95": the declared parameters with their defaults ("-" when none).
[[nodiscard]] std::string params_summary(const std::vector<ParamInfo>& params);

/// The registry as a markdown table (name, input, parameters with defaults, description): the
/// docs' tables are this text (tests/registry checks docs/selectors.md against it).
template <class Product, class Context>
[[nodiscard]] std::string markdown_table(const Registry<Product, Context>& r) {
  std::string out =
      "| name | reads | parameters (default) | what it does |\n| --- | --- | --- | --- |\n";
  for (const auto& e : r.entries())
    out += "| `" + e.name + "` | " + to_string(e.input) + " | " + params_summary(e.params) + " | " +
           e.description + " |\n";
  return out;
}

/// A registry of `kind` filled by `add_builtins`: what each registry accessor builds once, on
/// first use (a function-local static, so registering from user code works at any time after).
template <class R>
[[nodiscard]] R built_registry(std::string kind, void (*add_builtins)(R&)) {
  R r(std::move(kind));
  add_builtins(r);
  return r;
}

using SelectorRegistry = Registry<AnySelector>;
using AcquisitionRegistry = Registry<AnyAcquisition>;

/// Every cold-start selector: the built-ins (registered on first use) and the user's own.
[[nodiscard]] SelectorRegistry& selectors();
/// Every acquisition function: the built-ins and the user's own.
[[nodiscard]] AcquisitionRegistry& acquisitions();

/// The entry of a selector class S constructed from its Params (S::Params, declared fields).
/// `defaults` are the registered name's own defaults (e.g. a mode fixed by the name).
template <select::InitialSelector S, class P = typename S::Params>
[[nodiscard]] Entry<AnySelector> selector_entry(std::string name, std::string description,
                                                P defaults = {}) {
  auto make = [name, defaults](const boost::json::object& o, const NoContext&) {
    const P p = from_json<P>(o, defaults, "selector '" + name + "'");
    return AnySelector(name, S(p), to_json(p));
  };
  return {name, std::move(description), Input::kEmbeddings, param_infos<P>(defaults), make};
}

/// The entry of an acquisition class A constructed from its Params (A::Params).
template <acquire::AcquisitionFunction A, class P = typename A::Params>
[[nodiscard]] Entry<AnyAcquisition> acquisition_entry(std::string name, std::string description,
                                                      Input input, P defaults = {}) {
  auto make = [name, defaults](const boost::json::object& o, const NoContext&) {
    const P p = from_json<P>(o, defaults, "acquisition function '" + name + "'");
    return AnyAcquisition(name, A(p), to_json(p));
  };
  return {name, std::move(description), input, param_infos<P>(defaults), make};
}

}  // namespace coldstart::registry
