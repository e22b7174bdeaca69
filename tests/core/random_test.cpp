#include <coldstart/random.hpp>
#include <random>
#include <set>

#include "support/testing.hpp"

namespace coldstart {
namespace {

static_assert(std::uniform_random_bit_generator<Rng>);

TEST(Rng, SameSeedSameSequence) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const auto va = a();
    EXPECT_EQ(va, b());
    differs |= va != c();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, ForkDependsOnlyOnSeedAndId) {
  Rng a(7), b(7);
  for (int i = 0; i < 13; ++i) (void)a();  // draws on the parent do not move its forks
  Rng fa = a.fork(3), fb = b.fork(3), other = b.fork(4);
  EXPECT_EQ(fa(), fb());
  EXPECT_NE(b.fork(3)(), other());
}

TEST(Random, UniformIndexInRangeAndCoversAll) {
  Rng rng(1);
  std::vector<int> hits(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const auto v = random::uniform_index(rng, 7);
    ASSERT_LT(v, 7u);
    ++hits[v];
  }
  for (int h : hits) EXPECT_NEAR(h, 1000, 150);
}

TEST(Random, NormalMoments) {
  Rng rng(5);
  double s = 0, s2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double v = random::normal(rng);
    s += v;
    s2 += v * v;
  }
  EXPECT_NEAR(s / n, 0.0, 0.03);
  EXPECT_NEAR(s2 / n, 1.0, 0.05);
}

TEST(Random, ShuffleIsPermutationAndSeeded) {
  std::vector<int> v(50), w;
  std::iota(v.begin(), v.end(), 0);
  w = v;
  Rng r1(9), r2(9);
  random::shuffle(v.begin(), v.end(), r1);
  random::shuffle(w.begin(), w.end(), r2);
  EXPECT_EQ(v, w);
  EXPECT_EQ(std::set<int>(v.begin(), v.end()).size(), 50u);
  EXPECT_FALSE(std::is_sorted(v.begin(), v.end()));
}

TEST(Error, MessageNamesQualifiedFunction) {
  EXPECT_EQ(detail::qualified_function(
                "coldstart::select::Selection coldstart::select::ProbCover<T>::select(int) const "
                "[with T = float]"),
            "select::ProbCover::select");
  EXPECT_EQ(detail::format("budget ({}) exceeds pool size ({})", 120, 100),
            "budget (120) exceeds pool size (100)");
}

TEST(Embeddings, ValidateNamesBadRow) {
  Embeddings e{RowMatrixXf::Ones(3, 2), {"a", "b", "c"}};
  EXPECT_NO_THROW(e.validate());
  e.x(1, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW_MSG(e.validate(), NumericError, "row 1 (id 'b')");
  e.ids.pop_back();
  EXPECT_THROW_MSG(e.validate(), InvalidArgument, "3 rows but 2 ids");
}

}  // namespace
}  // namespace coldstart
