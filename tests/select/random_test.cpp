#include <coldstart/select/random.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

TEST(RandomSelector, UniformOverTheUnlabelledRows) {
  // Each unlabelled row is picked with probability budget / pool; check counts over many seeds.
  const RowMatrixXf x = RowMatrixXf::Random(10, 2);
  const std::vector<Index> lab{2, 5};
  std::vector<int> hits(10, 0);
  for (std::uint64_t seed = 0; seed < 4000; ++seed) {
    Rng rng(seed);
    for (const Index i : RandomSelector{}.select(x, 4, {.labelled = lab}, rng).indices) ++hits[i];
  }
  for (Index i = 0; i < 10; ++i) {
    if (i == 2 || i == 5) {
      EXPECT_EQ(hits[i], 0);
    } else {
      EXPECT_NEAR(hits[i], 4000 * 4 / 8, 120) << i;  // mean 2000, sd ≈ 32
    }
  }
}

TEST(RandomSelector, SeedsDiffer) {
  const RowMatrixXf x = RowMatrixXf::Random(100, 2);
  Rng a(1), b(2);
  EXPECT_NE(RandomSelector{}.select(x, 10, {}, a).indices,
            RandomSelector{}.select(x, 10, {}, b).indices);
}

TEST(RandomSelector, StrataGetProportionalShares) {
  const RowMatrixXf x = RowMatrixXf::Random(100, 2);
  std::vector<Index> strata(100);
  for (Index i = 0; i < 100; ++i) strata[i] = i < 70 ? 3 : 9;  // 70 / 30
  Rng rng(5);
  const Selection s = RandomSelector{}.select(x, 10, {.strata = strata}, rng);
  testing::expect_valid_selection(s, 100, 10);
  EXPECT_EQ(std::count_if(s.indices.begin(), s.indices.end(), [](Index i) { return i < 70; }), 7);
}

}  // namespace
}  // namespace coldstart::select
