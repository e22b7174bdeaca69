// Contract of every registered selector (and tiled variants): exactly `budget` distinct rows, none
// labelled; same seed => identical picks, also with 1 vs 2 threads; strata respected; bad input ->
// clear errors.

#include <omp.h>

#include <coldstart/registry/registry.hpp>
#include <coldstart/select.hpp>
#include <functional>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

using SelectFn = std::function<Selection(EmbeddingsView, Index, const SelectionContext&, Rng&)>;

struct Named {
  std::string name;
  SelectFn fn;
};

// Every selector in the registry, found there (a strategy registered tomorrow is checked
// tomorrow, with no edit here), at its registered defaults...
std::vector<Named> all_selectors() {
  std::vector<Named> out;
  for (const auto& e : registry::selectors().entries()) {
    const registry::AnySelector s = e.make({}, {});
    out.push_back({e.name, [s](EmbeddingsView x, Index b, const SelectionContext& c, Rng& r) {
                     return s.select(x, b, c, r);
                   }});
  }
  // ... plus the tiled configurations: GEMM tiles much smaller than the pool, so tile edges fall
  // inside the data.
  const auto tiled = [&](std::string name, auto sel) {
    out.push_back({std::move(name), [sel](EmbeddingsView x, Index b, const SelectionContext& c,
                                          Rng& r) { return sel.select(x, b, c, r); }});
  };
  tiled("kcenter-tiled", KCenterGreedySelector({.row_block = 16, .col_block = 8}));
  tiled("probcover-tiled",
        ProbCoverSelector<>({.k_nn = 10, .n_pseudo_classes = 4, .row_block = 16, .col_block = 8}));
  tiled("typiclust-tiled", TypiClustSelector<>({.row_block = 16, .col_block = 8}));
  tiled("kmeans-paper-tiled", ClusterCentroidSelector<>({.row_block = 16}));
  return out;
}

std::string test_name(const std::string& name) {
  std::string s;
  for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

class AllSelectors : public ::testing::TestWithParam<int> {
 protected:
  Named sel = all_selectors()[GetParam()];
  testing::Blobs b = testing::blobs(120, 6, 5, 77, 3.0);
  std::vector<Index> lab{3, 17, 40, 41};
};

TEST_P(AllSelectors, DistinctUnlabelledExactlyBudget) {
  for (const Index budget : {1, 6, 13}) {
    Rng rng(11);
    const Selection s = sel.fn(b.x, budget, {.labelled = lab}, rng);
    testing::expect_valid_selection(s, 120, budget, lab);
  }
  if (sel.name.rfind("kmeans-paper", 0) == 0) return;  // k would sweep to n: too slow here
  Rng rng(11);                                         // the whole unlabelled pool
  testing::expect_valid_selection(sel.fn(b.x, 116, {.labelled = lab}, rng), 120, 116, lab);
}

TEST_P(AllSelectors, SameSeedSamePicksForAnyThreadCount) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  Rng r1(5);
  const Selection one = sel.fn(b.x, 9, {.labelled = lab}, r1);
  omp_set_num_threads(2);
  Rng r2(5), r3(5);
  const Selection two = sel.fn(b.x, 9, {.labelled = lab}, r2);
  const Selection again = sel.fn(b.x, 9, {.labelled = lab}, r3);
  omp_set_num_threads(before);
  EXPECT_EQ(one.indices, two.indices);
  EXPECT_EQ(two.indices, again.indices);
  EXPECT_EQ(one.cluster, two.cluster);
  for (std::size_t i = 0; i < one.distance.size(); ++i)  // NaN-aware bitwise equality
    EXPECT_TRUE(one.distance[i] == two.distance[i] ||
                (std::isnan(one.distance[i]) && std::isnan(two.distance[i])));
}

TEST_P(AllSelectors, StrataGetProportionalShares) {
  std::vector<Index> strata(120);
  for (Index i = 0; i < 120; ++i) strata[i] = i < 90 ? 1 : 2;  // 90 / 30 rows
  Rng rng(2);
  const Selection s = sel.fn(b.x, 8, {.labelled = lab, .strata = strata}, rng);
  testing::expect_valid_selection(s, 120, 8, lab);
  // 4 labelled, all in stratum 1: D'Hondt over (90, 30) with 4 already in stratum 1 → 5 / 3.
  EXPECT_EQ(std::count_if(s.indices.begin(), s.indices.end(), [](Index i) { return i >= 90; }), 3);
}

TEST_P(AllSelectors, TinyStratumStillGetsItsShare) {
  std::vector<Index> strata(120, 1);
  strata[118] = strata[119] = 2;  // a stratum of two rows
  Rng rng(4);
  const Selection s = sel.fn(b.x, 60, {.labelled = lab, .strata = strata}, rng);
  testing::expect_valid_selection(s, 120, 60, lab);
  // D'Hondt: stratum 2 (2 rows) wins a pick once 118 / (4 + a + 1) < 2, i.e. after 55 picks.
  EXPECT_EQ(std::count_if(s.indices.begin(), s.indices.end(), [](Index i) { return i >= 118; }), 1);
}

TEST_P(AllSelectors, RejectsBadInput) {
  Rng rng(1);
  const std::vector<Index> short_strata(7, 0), out_of_range{120}, twice{4, 4};
  EXPECT_THROW_MSG((void)sel.fn(b.x, 0, {}, rng), InvalidArgument, "budget (0) must be positive");
  EXPECT_THROW_MSG((void)sel.fn(b.x, -3, {}, rng), InvalidArgument, "budget (-3)");
  EXPECT_THROW_MSG((void)sel.fn(b.x, 117, {.labelled = lab}, rng), InvalidArgument,
                   "budget (117) exceeds unlabelled pool (116 rows, 4 labelled)");
  EXPECT_THROW_MSG((void)sel.fn(b.x, 2, {.labelled = out_of_range}, rng), InvalidArgument,
                   "labelled row 120 out of range [0, 120)");
  EXPECT_THROW_MSG((void)sel.fn(b.x, 2, {.labelled = twice}, rng), InvalidArgument,
                   "labelled row 4 listed twice");
  EXPECT_THROW_MSG((void)sel.fn(b.x, 2, {.strata = short_strata}, rng), InvalidArgument,
                   "strata has 7 entries, expected 120");
  EXPECT_THROW_MSG((void)sel.fn(RowMatrixXf(0, 6), 1, {}, rng), InvalidArgument,
                   "embeddings are empty (0×6)");
  RowMatrixXf bad = b.x;
  bad(33, 2) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW_MSG((void)sel.fn(bad, 2, {}, rng), NumericError, "embedding row 33 contains NaN");
}

TEST_P(AllSelectors, MessagesNameTheSelector) {
  Rng rng(1);
  try {
    (void)sel.fn(b.x, 0, {}, rng);
    FAIL();
  } catch (const InvalidArgument& e) {
    // "select::<Class>::select: ...": the class whose contract was broken.
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("select::", 0), 0u) << what;
    EXPECT_NE(what.find("Selector::select"), std::string::npos) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, AllSelectors,
                         ::testing::Range(0, static_cast<int>(all_selectors().size())),
                         [](const auto& info) {
                           return test_name(all_selectors()[info.param].name);
                         });

}  // namespace
}  // namespace coldstart::select
