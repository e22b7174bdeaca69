// Twelve well-separated Gaussian blobs (600 × 64) and a budget of 12: a cold-start selector that
// clusters must spend one label per blob, for every seed. k-means from uniformly random rows
// stalls in local minima here (two centres in one blob, one centre on two blobs), which is why
// the clustering selectors start from greedy k-means++ seeds; `kmeans-paper` keeps the paper's
// random init on purpose and is not held to this.

#include <coldstart/registry/registry.hpp>
#include <coldstart/select.hpp>

#include "select/select_testing.hpp"

namespace coldstart::select {
namespace {

constexpr Index kBlobs = 12;
constexpr int kSeeds = 8;

testing::Blobs twelve_blobs(std::uint64_t seed) {
  return testing::blobs(600, 64, kBlobs, seed, 1.0);
}

// Every registered selector that should cover separated modes: all but the baseline and the
// paper's protocol (found in the registry, so a new clustering strategy is checked here too).
std::vector<std::string> covering_selectors() {
  std::vector<std::string> out;
  for (const auto& name : registry::selectors().names())
    if (name != "random" && name != "kmeans-paper") out.push_back(name);
  return out;
}

class BlobCoverage : public ::testing::TestWithParam<std::string> {};

TEST_P(BlobCoverage, OnePickPerBlobForEverySeed) {
  const registry::AnySelector sel = registry::selectors().make(GetParam());
  for (int seed = 0; seed < kSeeds; ++seed) {
    const testing::Blobs b = twelve_blobs(100 + static_cast<std::uint64_t>(seed));
    Rng rng(static_cast<std::uint64_t>(seed));
    const Selection s = sel.select(b.x, kBlobs, {}, rng);
    testing::expect_valid_selection(s, 600, kBlobs);
    EXPECT_EQ(static_cast<Index>(testing::blobs_hit(s, b.labels).size()), kBlobs)
        << GetParam() << " missed a blob with seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, BlobCoverage, ::testing::ValuesIn(covering_selectors()),
                         [](const auto& info) {
                           std::string s;
                           for (char c : info.param) s += std::isalnum(c) ? c : '_';
                           return s;
                         });

// The failure the default guards against is real on this data: one k-means per budget from
// random rows (10 restarts) misses a blob for some seed, so the test above can fail.
TEST(BlobCoverage, RandomInitKMeansMissesABlob) {
  const ClusterCentroidSelector<cluster::HamerlyKMeans> random_init(
      {.mode = CentroidMode::kPerCluster});
  int missed = 0;
  for (int seed = 0; seed < kSeeds; ++seed) {
    const testing::Blobs b = twelve_blobs(100 + static_cast<std::uint64_t>(seed));
    Rng rng(static_cast<std::uint64_t>(seed));
    const Selection s = random_init.select(b.x, kBlobs, {}, rng);
    missed += static_cast<Index>(testing::blobs_hit(s, b.labels).size()) < kBlobs;
  }
  EXPECT_GT(missed, 0);
}

}  // namespace
}  // namespace coldstart::select
