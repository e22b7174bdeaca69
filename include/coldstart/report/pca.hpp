#pragma once
// Principal-component projection of embeddings, for pictures of a pool (the gallery's map).

#include "coldstart/types.hpp"

namespace coldstart::report {

struct PcaParams {
  Index components = 2;  ///< output dimensions; 1 ≤ components ≤ min(n, d)
  int max_iter = 200;    ///< subspace iterations at most; ≥ 1
  double tol = 1e-10;    ///< stop when the Ritz values change by at most tol (relative); ≥ 0
  Index oversample = 6;  ///< extra subspace vectors (faster, surer convergence); ≥ 0
};

/// The rows of x projected on their top principal components (Pearson 1901): centre the columns,
/// find the leading eigenvectors of the covariance XᵀX/n by block subspace iteration with a
/// Rayleigh–Ritz step (Halko, Martinsson & Tropp 2011, arXiv:0909.4061, Alg. 4.4 with a fixed,
/// deterministic start), and return X·V (n×components). Signs are fixed so that the largest
/// |coordinate| of each component is positive, so the map does not flip between runs.
/// Eigen's dense eigensolver would need the d×d covariance (13 MB and seconds at d = 1280);
/// this needs the centred copy (n·d doubles) plus O((n + d)·(components + oversample)) and
/// O(n·d·(components + oversample)) time per iteration.
/// Deterministic: no random start, no thread-dependent sums.
/// @code
///   RowMatrixXf xy = report::pca_project(embeddings);   // n×2, for a scatter plot
/// @endcode
/// @throws InvalidArgument for an empty x or a bad components count, NumericError for NaN/Inf.
[[nodiscard]] RowMatrixXf pca_project(EmbeddingsView x, const PcaParams& p = {});

}  // namespace coldstart::report
