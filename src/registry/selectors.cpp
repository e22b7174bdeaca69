// The built-in cold-start selectors: one registration line each. The registry is built on first
// use (a function-local static), so registering from a user's code works at any time after it.
#include "coldstart/registry/registry.hpp"
#include "coldstart/select.hpp"

namespace coldstart::registry {

namespace {

void add_builtin_selectors(SelectorRegistry& r) {
  using namespace coldstart::select;
  r.add(selector_entry<ClusterCentroidSelector<>>(
      "kmeans-paper",
      "the paper's sweep: k-means (HamerlyKMeans, random init, 10 restarts) for k = 2, 3, ..., the "
      "sample nearest each centroid, until the budget is filled (picks nest across budgets)",
      {.mode = CentroidMode::kSweep}));
  r.add(selector_entry<ClusterCentroidSelector<cluster::PlusPlusKMeans>>(
      "kmeans-centroid",
      "one k-means (PlusPlusKMeans: greedy k-means++ init, 10 restarts) with k = labelled + "
      "budget, the "
      "sample nearest each uncovered centroid",
      {.mode = CentroidMode::kPerCluster}));
  r.add(selector_entry<ClusterCentroidSelector<cluster::PlusPlusKMeans>>(
      "kmeans-centroid-whiten",
      "kmeans-centroid on PCA-whitened embeddings: z-scores projected on the pool's top 32 "
      "principal axes, each scaled to unit variance (no labels read)",
      {.mode = CentroidMode::kPerCluster, .whiten = 32}));
  r.add(selector_entry<ClusterCentroidSelector<cluster::PlusPlusKMeans>>(
      "kmeans-centroid-cosine",
      "kmeans-centroid by cosine similarity: the z-scored rows scaled to unit length before "
      "clustering, so far-out rows join their direction's cluster instead of seeding singletons",
      {.mode = CentroidMode::kPerCluster, .unit_rows = true}));
  r.add(selector_entry<KMedoidsSelector<>>(
      "kmedoids",
      "the medoids of FasterPAM (k-means++ starting medoids) with k = labelled + budget, "
      "largest clusters first"));
  r.add(selector_entry<TypiClustSelector<>>(
      "typiclust",
      "TypiClust: the most typical (densest) sample of each uncovered k-means cluster "
      "(k-means++ init)"));
  r.add(selector_entry<ProbCoverSelector<>>(
      "probcover", "ProbCover: greedy max coverage of delta-balls, delta by the purity rule"));
  r.add(selector_entry<KCenterGreedySelector>(
      "kcenter", "greedy k-center (core-set): each pick the sample farthest from all before it"));
  r.add(selector_entry<KMeansPlusPlusSelector>(
      "kmeanspp",
      "greedy k-means++ seeds as the picks: drawn by squared distance, so every mode is reached "
      "without spending the budget on outliers; no Lloyd iterations"));
  r.add(selector_entry<RandomSelector>("random", "uniformly random samples (the baseline)"));
}

}  // namespace

SelectorRegistry& selectors() {
  static SelectorRegistry r = built_registry<SelectorRegistry>("selector", add_builtin_selectors);
  return r;
}

}  // namespace coldstart::registry
