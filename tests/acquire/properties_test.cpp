// Contract of every registered acquisition function: exactly `batch` distinct ids, none labelled,
// ties broken by the seed, same seed => same ids, also with 1 vs 2 threads.

#include <omp.h>

#include <coldstart/acquire.hpp>
#include <coldstart/registry/registry.hpp>
#include <functional>
#include <set>

#include "support/testing.hpp"

namespace coldstart::acquire {
namespace {

using SelectFn =
    std::function<std::vector<Index>(const ModelOutputs&, const AcquisitionContext&, Index, Rng&)>;
struct Named {
  std::string name;
  SelectFn fn;
};
// Every acquisition function in the registry, found there: a rule registered tomorrow is
// checked tomorrow, with no edit here.
std::vector<Named> all() {
  std::vector<Named> out;
  for (const auto& e : registry::acquisitions().entries()) {
    const registry::AnyAcquisition a = e.make({}, {});
    out.push_back({e.name, [a](const ModelOutputs& o, const AcquisitionContext& c, Index b,
                               Rng& r) { return a.select(o, c, b, r); }});
  }
  return out;
}

std::string test_name(const std::string& name) {
  std::string s;
  for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

/// Outputs for n = 9000 samples with every field filled and many exact ties (probabilities on
/// a coarse grid), large enough that parallel loops split.
const ModelOutputs& outputs() {
  static const ModelOutputs out = [] {
    const Index n = 9000;
    Rng rng(42);
    ModelOutputs o;
    o.probs.resize(n, 2);
    o.embeddings.resize(n, 3);
    o.mc_probs.assign(3, RowMatrixXf(n, 2));
    for (Index i = 0; i < n; ++i) {
      const float p = static_cast<float>(random::uniform_index(rng, 11)) / 10.0f;
      o.probs.row(i) << 1 - p, p;
      for (auto& m : o.mc_probs) {
        const float q = static_cast<float>(random::uniform_index(rng, 5)) / 4.0f;
        m.row(i) << 1 - q, q;
      }
      for (Index j = 0; j < 3; ++j) o.embeddings(i, j) = static_cast<float>(random::normal(rng));
      o.prob_maps.push_back(RowMatrixXf::Constant(2, 2, static_cast<float>(i % 7) / 7.0f));
    }
    return o;
  }();
  return out;
}

class AllAcquisitions : public ::testing::TestWithParam<int> {
 protected:
  Named acq = all()[GetParam()];
  std::vector<Index> lab{0, 5, 77, 1234};
  std::vector<int> labels{0, 1, 1, 0};
  AcquisitionContext ctx{.labelled = lab, .labels = labels};
};

TEST_P(AllAcquisitions, DistinctUnlabelledExactlyBatch) {
  for (const Index batch : {1, 20, 300}) {
    Rng rng(3);
    const auto ids = acq.fn(outputs(), ctx, batch, rng);
    ASSERT_EQ(static_cast<Index>(ids.size()), batch);
    EXPECT_EQ(static_cast<Index>(std::set<Index>(ids.begin(), ids.end()).size()), batch);
    for (const Index i : ids) {
      EXPECT_TRUE(i >= 0 && i < 9000);
      EXPECT_EQ(std::count(lab.begin(), lab.end(), i), 0);
    }
  }
}

TEST_P(AllAcquisitions, SameSeedSameIdsForAnyThreadCount) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  Rng r1(9);
  const auto one = acq.fn(outputs(), ctx, 50, r1);
  omp_set_num_threads(2);
  Rng r2(9), r3(10);
  const auto two = acq.fn(outputs(), ctx, 50, r2);
  const auto other = acq.fn(outputs(), ctx, 50, r3);
  omp_set_num_threads(before);
  EXPECT_EQ(one, two);
  EXPECT_NE(one, other) << "ties (the outputs hold many) must depend on the seed";
}

TEST_P(AllAcquisitions, RejectsBadBatch) {
  Rng rng(1);
  EXPECT_THROW_MSG((void)acq.fn(outputs(), ctx, 0, rng), InvalidArgument,
                   "batch (0) must be positive");
  EXPECT_THROW_MSG((void)acq.fn(outputs(), ctx, 8997, rng), InvalidArgument,
                   "batch (8997) exceeds unlabelled pool (8996 rows, 4 labelled)");
}

INSTANTIATE_TEST_SUITE_P(Registered, AllAcquisitions,
                         ::testing::Range(0, static_cast<int>(all().size())),
                         [](const auto& info) { return test_name(all()[info.param].name); });

}  // namespace
}  // namespace coldstart::acquire
