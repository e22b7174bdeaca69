#include <coldstart/select/kmedoids.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

TEST(KMedoidsSelector, PicksTheMedoidOfEachBlob) {
  const auto b = testing::blobs(80, 4, 4, 12);
  Rng rng(3);
  const Selection s = KMedoidsSelector<>{}.select(b.x, 4, {}, rng);
  testing::expect_valid_selection(s, 80, 4);
  EXPECT_EQ(testing::blobs_hit(s, b.labels).size(), 4u);
  for (const Index pick : s.indices) {  // brute force: minimal summed distance within its blob
    Index arg = -1;
    double best = 1e300;
    for (Index a = 0; a < 80; ++a) {
      if (b.labels[a] != b.labels[pick]) continue;
      double sum = 0;
      for (Index c = 0; c < 80; ++c)
        if (b.labels[c] == b.labels[pick]) sum += (b.x.row(a) - b.x.row(c)).cast<double>().norm();
      if (sum < best) best = sum, arg = a;
    }
    EXPECT_EQ(pick, arg);
  }
}

TEST(KMedoidsSelector, LabelledBlobsAreCovered) {
  const auto b = testing::blobs(80, 4, 4, 12);
  const std::vector<Index> lab{1};
  Rng rng(3);
  const Selection s = KMedoidsSelector<>{}.select(b.x, 3, {.labelled = lab}, rng);
  EXPECT_EQ(testing::blobs_hit(s, b.labels), (std::set<Index>{0, 2, 3}));
}

TEST(KMedoidsSelector, RejectsClustererWithoutMedoids) {
  struct NoMedoids {
    cluster::Clustering fit(EmbeddingsView x, Index, Rng&) const {
      cluster::Clustering c;
      c.assignment.assign(x.rows(), 0);
      return c;
    }
  };
  const auto b = testing::blobs(20, 3, 2, 1);
  Rng rng(1);
  EXPECT_THROW_MSG((void)KMedoidsSelector<NoMedoids>{}.select(b.x, 2, {}, rng), InvalidArgument,
                   "clusterer returned 0 medoids, expected 2");
}

}  // namespace
}  // namespace coldstart::select
