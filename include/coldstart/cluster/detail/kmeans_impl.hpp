#pragma once
// Definitions for kmeans.hpp.

namespace coldstart::cluster {

inline void KMeansParams::validate(Index n, Index d, Index k) const {
  COLDSTART_CHECK(n >= 1, InvalidArgument, "embeddings have no rows (n = 0)");
  COLDSTART_CHECK(d >= 1, InvalidArgument, "embeddings have no columns (d = 0)");
  COLDSTART_CHECK(k >= 1, InvalidArgument, "k ({}) must be >= 1", k);
  COLDSTART_CHECK(k <= n, InvalidArgument, "k ({}) exceeds the number of samples n ({})", k, n);
  COLDSTART_CHECK(n_init >= 1, InvalidArgument, "n_init ({}) must be >= 1", n_init);
  COLDSTART_CHECK(max_iter >= 1, InvalidArgument, "max_iter ({}) must be >= 1", max_iter);
  COLDSTART_CHECK(tol >= 0.0 && std::isfinite(tol), InvalidArgument,
                  "tol ({}) must be finite and >= 0", tol);
  COLDSTART_CHECK(row_block >= 1 && col_block >= 1, InvalidArgument,
                  "row_block ({}) and col_block ({}) must be >= 1", row_block, col_block);
  COLDSTART_CHECK(bound_groups >= 0, InvalidArgument, "bound_groups ({}) must be >= 0",
                  bound_groups);
}

template <InitPolicy Init, EmptyClusterPolicy Empty, template <class> class Step>
Clustering KMeans<Init, Empty, Step>::run(EmbeddingsView x, const Eigen::VectorXf& x_norms,
                                          RowMatrixXf c, double tol_abs,
                                          std::vector<Index>* producer) const {
  StepType step(x, x_norms, StepOptions{p_.row_block, p_.col_block, p_.bound_groups});
  RowMatrixXf c_next(c.rows(), c.cols());
  bool strict = false;
  int it = 0;
  while (it < p_.max_iter) {
    check_interrupt("cluster::KMeans::fit");
    const StepStats st = step.template iterate<Empty>(c, c_next);
    ++it;
    std::swap(c, c_next);
    if (st.changed == 0) {
      strict = true;
      break;
    }
    if (st.shift <= tol_abs) break;
  }
  if (producer) *producer = step.assignment();  // the means c was computed from
  if (!strict) step.relabel(c);
  Clustering out;
  out.centroids = std::move(c);
  out.assignment = step.assignment();
  out.iterations = it;
  detail::finish_clustering(x, out);
  return out;
}

namespace detail {
/// Whether a fit of `runs` runs with k centres works in the row space (see KMeansParams).
inline bool use_row_space(RowSpaceUse use, Index n, Index d, Index k, Index runs, bool plusplus) {
  if (use == RowSpaceUse::kNever || n >= d) return false;
  return use == RowSpaceUse::kAlways || row_space_pays(n, d, k, runs, plusplus);
}
/// The row space needs seeds that are rows (random rows, k-means++) and no cluster left empty
/// (ReseedFarthest), so that every centre is a row or a mean of rows.
template <class Init, class Empty>
inline constexpr bool kRowSpaceFits =
    (std::is_same_v<Init, RandomRows> ||
     std::is_same_v<Init, GreedyKMeansPlusPlus>)&&std::is_same_v<Empty, ReseedFarthest>;
}  // namespace detail

template <InitPolicy Init, EmptyClusterPolicy Empty, template <class> class Step>
template <class StartFn>
Clustering KMeans<Init, Empty, Step>::best_of(EmbeddingsView x, const Eigen::VectorXf& x_norms,
                                              double tol_abs, Index runs, StartFn&& start,
                                              std::vector<Index>* producer) const {
  Clustering best;
  int total = 0;
  std::vector<Index> made_by;
  for (Index r = 0; r < runs; ++r) {
    Clustering c = run(x, x_norms, start(x, x_norms, r), tol_abs, producer ? &made_by : nullptr);
    total += c.iterations;
    if (r == 0 || c.objective < best.objective) {
      best = std::move(c);
      if (producer) producer->swap(made_by);
    }
  }
  best.total_iterations = total;
  return best;
}

template <InitPolicy Init, EmptyClusterPolicy Empty, template <class> class Step>
template <class StartFn>
Clustering KMeans<Init, Empty, Step>::best_of_in(const RowSpace& space, EmbeddingsView x,
                                                 double tol_abs, Index runs,
                                                 StartFn&& start) const {
  const RowMatrixXf& y = space.coordinates();
  std::vector<Index> producer;
  Clustering best = best_of(y, squared_norms(y), tol_abs, runs, start, &producer);
  // The centres are means of the rows `producer` assigned to them (ReseedFarthest leaves no
  // cluster empty), so in the d columns they are the same means of x: summed as the d-column
  // run sums them, hence the same bits whenever the two runs assign alike.
  const Index k = best.centroids.rows();
  RowMatrixXd sums(k, x.cols());
  std::vector<Index> counts(static_cast<std::size_t>(k));
  detail::accumulate_sums(x, producer, sums, counts);
  best.centroids.resize(k, x.cols());
  for (Index j = 0; j < k; ++j)
    best.centroids.row(j) = (sums.row(j) / static_cast<double>(counts[j])).cast<float>();
  detail::finish_clustering(x, best);
  return best;
}

template <InitPolicy Init, EmptyClusterPolicy Empty, template <class> class Step>
Clustering KMeans<Init, Empty, Step>::fit(EmbeddingsView x, Index k, Rng& rng) const {
  p_.validate(x.rows(), x.cols(), k);
  Eigen::VectorXf norms;
  const double tol_abs = detail::squared_norms_and_tolerance(x, p_.tol, norms);
  if (p_.check_finite) detail::check_finite_by_norms(x, norms, "cluster::KMeans::fit");
  const auto seed = [&](EmbeddingsView z, const Eigen::VectorXf& z_norms, Index r) {
    Rng sub = rng.fork(static_cast<std::uint64_t>(r));
    return Init::init(z, k, z_norms, sub);
  };
  constexpr bool kPlusPlus = std::is_same_v<Init, GreedyKMeansPlusPlus>;
  if (detail::kRowSpaceFits<Init, Empty> &&
      detail::use_row_space(p_.row_space, x.rows(), x.cols(), k, p_.n_init, kPlusPlus))
    return best_of_in(RowSpace(x), x, tol_abs, p_.n_init, seed);
  return best_of(x, norms, tol_abs, p_.n_init, seed);
}

template <InitPolicy Init, EmptyClusterPolicy Empty, template <class> class Step>
Clustering KMeans<Init, Empty, Step>::fit(EmbeddingsView x, EmbeddingsView initial) const {
  const RowMatrixXf start(initial);
  return fit(x, std::span<const RowMatrixXf>(&start, 1));
}

template <InitPolicy Init, EmptyClusterPolicy Empty, template <class> class Step>
Clustering KMeans<Init, Empty, Step>::fit(EmbeddingsView x,
                                          std::span<const RowMatrixXf> starts) const {
  COLDSTART_CHECK(!starts.empty(), InvalidArgument, "cluster::KMeans::fit: no starting centroids");
  const Index k = starts[0].rows();
  for (const RowMatrixXf& s : starts)
    COLDSTART_CHECK(s.cols() == x.cols() && s.rows() == k, InvalidArgument,
                    "embeddings {}×{}, initial centroids {}×{} (expected {}×{})", x.rows(),
                    x.cols(), s.rows(), s.cols(), k, x.cols());
  p_.validate(x.rows(), x.cols(), k);
  Eigen::VectorXf norms;
  const double tol_abs = detail::squared_norms_and_tolerance(x, p_.tol, norms);
  if (p_.check_finite) {
    detail::check_finite_by_norms(x, norms, "cluster::KMeans::fit");
    for (const RowMatrixXf& s : starts)
      coldstart::detail::check_finite_rows(s, "cluster::KMeans::fit", "initial centroids");
  }
  const auto runs = static_cast<Index>(starts.size());
  if (detail::kRowSpaceFits<Init, Empty> &&
      detail::use_row_space(p_.row_space, x.rows(), x.cols(), k, runs, false)) {
    RowSpace space(x);
    std::vector<RowMatrixXf> coords;
    if (space.coordinates_of_rows(x, starts, coords))
      return best_of_in(space, x, tol_abs, runs,
                        [&](EmbeddingsView, const Eigen::VectorXf&, Index r) { return coords[r]; });
  }
  return best_of(x, norms, tol_abs, runs,
                 [&](EmbeddingsView, const Eigen::VectorXf&, Index r) { return starts[r]; });
}

}  // namespace coldstart::cluster
