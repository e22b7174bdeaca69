#pragma once
// Vocabulary types shared by every folder: index type, row-major float matrices and the
// `Embeddings` value that flows from embedders to selectors.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "coldstart/error.hpp"

namespace coldstart {

using Index = std::ptrdiff_t;

/// n×d row-major float matrix: one row per sample, the torch and FAISS layout.
using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Read-only view of an n×d matrix; binds blocks and Maps without a copy.
using EmbeddingsView = Eigen::Ref<const RowMatrixXf>;

/// The embeddings of a pool: `x.row(i)` is the vector of sample `ids[i]`.
struct Embeddings {
  RowMatrixXf x;                 ///< n×d features
  std::vector<std::string> ids;  ///< n sample ids, same order as the rows

  [[nodiscard]] Index size() const noexcept { return x.rows(); }
  [[nodiscard]] Index dim() const noexcept { return x.cols(); }

  /// Throws InvalidArgument if ids and rows disagree, NumericError on NaN/Inf (naming the
  /// first bad row and its id).
  void validate() const {
    COLDSTART_CHECK(static_cast<Index>(ids.size()) == x.rows(), InvalidArgument,
                    "embeddings have {} rows but {} ids", x.rows(), ids.size());
    for (Index i = 0; i < x.rows(); ++i)
      COLDSTART_CHECK(x.row(i).allFinite(), NumericError,
                      "embedding row {} (id '{}') contains NaN or Inf", i, ids[i]);
  }
};

namespace detail {

/// Throws NumericError naming `what` and the first row that holds NaN or Inf.
inline void check_finite_rows(EmbeddingsView x, const char* where, const char* what) {
  for (Index i = 0; i < x.rows(); ++i)
    if (!x.row(i).allFinite())
      throw NumericError(format("{}: {} row {} contains NaN or Inf", where, what, i));
}

/// a*b with overflow check; for buffer sizes.
[[nodiscard]] inline std::size_t checked_mul(std::size_t a, std::size_t b) {
  if (a != 0 && b > static_cast<std::size_t>(-1) / a)
    throw InvalidArgument(format("checked_mul: {}*{} overflows size_t", a, b));
  return a * b;
}

}  // namespace detail
/// What a learner predicts on the pool, and what acquisition functions read. Which fields are
/// filled depends on the task: classification fills `probs` (n×C, rows sum to 1) and optionally
/// `mc_probs` (T matrices n×C from Monte-Carlo dropout), `embeddings` (n×D penultimate
/// features, for BADGE and k-center diversity) or `grad_embeddings` (n×G precomputed BADGE
/// gradient embeddings); segmentation fills `prob_maps` (n matrices H×W of foreground
/// probability). A core type (not acquire/'s) because it flows from learn/ to acquire/.
struct ModelOutputs {
  RowMatrixXf probs;
  std::vector<RowMatrixXf> mc_probs;
  std::vector<RowMatrixXf> prob_maps;
  RowMatrixXf embeddings;
  RowMatrixXf grad_embeddings;
};

}  // namespace coldstart
