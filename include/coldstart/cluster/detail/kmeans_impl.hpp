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
                                          RowMatrixXf c, double tol_abs) const {
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
  if (!strict) step.relabel(c);
  Clustering out;
  out.centroids = std::move(c);
  out.assignment = step.assignment();
  out.iterations = it;
  detail::finish_clustering(x, out);
  return out;
}

template <InitPolicy Init, EmptyClusterPolicy Empty, template <class> class Step>
Clustering KMeans<Init, Empty, Step>::fit(EmbeddingsView x, Index k, Rng& rng) const {
  p_.validate(x.rows(), x.cols(), k);
  Eigen::VectorXf norms;
  const double tol_abs = detail::squared_norms_and_tolerance(x, p_.tol, norms);
  if (p_.check_finite) detail::check_finite_by_norms(x, norms, "cluster::KMeans::fit");
  Clustering best;
  for (int r = 0; r < p_.n_init; ++r) {
    Rng sub = rng.fork(static_cast<std::uint64_t>(r));
    Clustering c = run(x, norms, Init::init(x, k, norms, sub), tol_abs);
    if (r == 0 || c.objective < best.objective) best = std::move(c);
  }
  return best;
}

template <InitPolicy Init, EmptyClusterPolicy Empty, template <class> class Step>
Clustering KMeans<Init, Empty, Step>::fit(EmbeddingsView x, EmbeddingsView initial) const {
  COLDSTART_CHECK(initial.cols() == x.cols(), InvalidArgument,
                  "embeddings {}×{}, initial centroids {}×{} (dimensions differ)", x.rows(),
                  x.cols(), initial.rows(), initial.cols());
  p_.validate(x.rows(), x.cols(), initial.rows());
  Eigen::VectorXf norms;
  const double tol_abs = detail::squared_norms_and_tolerance(x, p_.tol, norms);
  if (p_.check_finite) {
    detail::check_finite_by_norms(x, norms, "cluster::KMeans::fit");
    coldstart::detail::check_finite_rows(initial, "cluster::KMeans::fit", "initial centroids");
  }
  return run(x, norms, RowMatrixXf(initial), tol_abs);
}

}  // namespace coldstart::cluster
