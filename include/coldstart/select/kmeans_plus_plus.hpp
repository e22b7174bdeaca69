#pragma once
// KMeansPlusPlusSelector: the greedy k-means++ seeds themselves are the picks.

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/cluster/standardize.hpp"
#include "coldstart/params.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/common.hpp"

namespace coldstart::select {

struct KMeansPlusPlusParams {
  bool standardize = true;  ///< z-score each column first (as the k-means selectors do)
  Index trials = 0;         ///< candidates per pick; 0 = 2 + ⌊ln(labelled + budget)⌋ (greedy)

  void validate() const {
    COLDSTART_CHECK(trials >= 0, InvalidArgument, "trials ({}) must be ≥ 0", trials);
  }
  /// The tunable fields (coldstart/params.hpp).
  static constexpr auto fields() {
    return std::tuple{
        param("standardize", &KMeansPlusPlusParams::standardize, "z-score each column first"),
        param("trials", &KMeansPlusPlusParams::trials,
              "candidates per pick; 0 = 2 + floor(ln(labelled + budget)); 1 = plain k-means++")};
  }
};

/// Greedy k-means++ seeding used as the selection (Arthur & Vassilvitskii 2007, "k-means++: the
/// advantages of careful seeding"; the greedy variant of scikit-learn, Grunau et al. 2023,
/// arXiv:2207.07949): each pick is the best of `trials` candidates drawn with probability ∝
/// D², the squared distance to the nearest labelled or already-picked row, best meaning the one
/// that lowers Σ D² most. Labelled rows are centres from the start; with none, the first pick
/// is uniform at random. Why it is a cold-start strategy of its own: k-center takes the farthest
/// row every time and so spends a small budget on outliers; one k-means with k = budget
/// (kmeans-centroid) covers dense regions but can stall in a local minimum and leave a whole
/// mode uncovered. D² sampling still reaches every well-separated mode with high probability
/// (a mode far from every pick carries most of the potential), while the greedy choice among
/// candidates prefers rows that sit inside dense regions — and it costs one pass over the pool
/// per pick, no Lloyd iterations. `Selection::distance` is each pick's distance to the set
/// before it (NaN for a random first pick); `cluster` is -1. Ties go to the lower row.
/// Time O(budget · trials · n · d), memory O(n · d) for the standardised copy.
/// @code
///   Selection s = KMeansPlusPlusSelector{}.select(x, 20, {.labelled = seen}, rng);
/// @endcode
/// @throws InvalidArgument on budget ≤ 0, budget > unlabelled pool, bad labelled rows or strata,
///         bad params; NumericError on NaN/Inf rows.
class KMeansPlusPlusSelector {
 public:
  using Params = KMeansPlusPlusParams;
  explicit KMeansPlusPlusSelector(KMeansPlusPlusParams p = {}) : params_(p) {}

  [[nodiscard]] Selection select(EmbeddingsView x, Index budget, const SelectionContext& ctx,
                                 Rng& rng) const {
    params_.validate();
    const auto labelled =
        detail::check_inputs(x, budget, ctx, "select::KMeansPlusPlusSelector::select");
    return detail::stratified(
        x, budget, ctx, labelled, rng,
        [this](EmbeddingsView xs, Index b, std::span<const Index> lab, Rng& r) {
          if (!params_.standardize) return run(xs, b, lab, r);
          const RowMatrixXf z = cluster::Standardizer{}.fit_transform(xs);
          return run(z, b, lab, r);
        });
  }

  [[nodiscard]] const KMeansPlusPlusParams& params() const noexcept { return params_; }

 private:
  using Dist = std::vector<float>;

  // d2[i] = min(d2[i], ‖x_i − x_c‖²); into `out` when given (a candidate's trial), else in place.
  static void lower_to(EmbeddingsView x, Index c, const Dist& d2, Dist& out) {
    const Index n = x.rows();
#pragma omp parallel for schedule(static) if (n * x.cols() > (Index{1} << 18))
    for (Index i = 0; i < n; ++i)
      out[i] = std::min(d2[i], cluster::sq_distance(x.row(i).data(), x.row(c).data(), x.cols()));
  }

  // Σ d2 in row order (double): the same value for any thread count.
  static double potential(const Dist& d2) {
    double s = 0.0;
    for (float v : d2) s += v;
    return s;
  }

  // A row drawn with probability ∝ d2 (taken rows have d2 = 0 and are never drawn).
  static Index draw(const Dist& d2, double pot, std::vector<double>& cumsum, Rng& rng) {
    double acc = 0.0;
    for (std::size_t i = 0; i < d2.size(); ++i) cumsum[i] = acc += d2[i];
    const double r = random::uniform01(rng) * pot;
    const auto it = std::upper_bound(cumsum.begin(), cumsum.end(), r);
    return std::min<Index>(it - cumsum.begin(), static_cast<Index>(d2.size()) - 1);
  }

  static Index random_free_row(const std::vector<char>& taken, Rng& rng) {
    std::vector<Index> free;
    for (std::size_t i = 0; i < taken.size(); ++i)
      if (!taken[i]) free.push_back(static_cast<Index>(i));
    return free[random::uniform_index(rng, free.size())];
  }

  Selection run(EmbeddingsView x, Index budget, std::span<const Index> lab, Rng& rng) const {
    const Index n = x.rows();
    constexpr float kInf = std::numeric_limits<float>::infinity();
    std::vector<char> taken = detail::labelled_mask(n, lab, "select::KMeansPlusPlusSelector");
    Dist d2(static_cast<std::size_t>(n), kInf), trial(d2.size());
    for (Index l : lab) lower_to(x, l, d2, d2);
    const Index trials =
        params_.trials > 0
            ? params_.trials
            : 2 + static_cast<Index>(std::log(static_cast<double>(lab.size() + budget)));
    std::vector<double> cumsum(d2.size());
    Selection s;
    for (Index p = 0; p < budget; ++p) {
      const bool no_centre = p == 0 && lab.empty();
      const double pot = no_centre ? 0.0 : potential(d2);
      Index pick = -1;
      if (no_centre || !(pot > 0.0)) {
        pick = random_free_row(taken, rng);  // nothing placed yet, or every free row duplicates one
      } else {
        double best = std::numeric_limits<double>::infinity();
        for (Index t = 0; t < trials; ++t) {
          const Index c = draw(d2, pot, cumsum, rng);
          lower_to(x, c, d2, trial);
          const double after = potential(trial);
          if (after < best || (after == best && c < pick)) best = after, pick = c;
        }
      }
      s.indices.push_back(pick);
      s.cluster.push_back(-1);
      s.distance.push_back(d2[pick] == kInf ? std::numeric_limits<float>::quiet_NaN()
                                            : std::sqrt(d2[pick]));
      taken[pick] = 1;
      lower_to(x, pick, d2, d2);
    }
    return s;
  }

  KMeansPlusPlusParams params_;
};

static_assert(InitialSelector<KMeansPlusPlusSelector>);

}  // namespace coldstart::select
