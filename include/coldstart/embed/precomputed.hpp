#pragma once
// Embeddings computed elsewhere (CXR Foundation, REMEDIS, any TensorFlow or cloud tool) and
// read from an .npy matrix plus a CSV of sample ids.

#include <boost/json/object.hpp>
#include <filesystem>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "coldstart/embed/concept.hpp"
#include "coldstart/io/csv.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/npy.hpp"
#include "coldstart/types.hpp"

namespace coldstart::embed {

struct PrecomputedParams {
  std::string npy_path;          ///< n×d float matrix (.npy, any numeric dtype), required
  std::string ids_path;          ///< CSV with a header; row i names the sample of matrix row i
  std::string id_column = "id";  ///< column of ids_path holding the sample id
  std::string name;              ///< label for logs/cards; "" = stem of npy_path
  bool check_finite = true;      ///< reject NaN/Inf values when loading (one pass)
};

/// Looks embeddings up by sample id. Use it for encoders whose official tools run outside
/// coldstart (docs/encoders.md shows how to write the two files). Loading checks that the ids
/// are unique and as many as the matrix rows; `embed_ids` checks that every requested id is
/// present and returns the rows in the requested order, so the pool may be any subset.
///
/// It has no pixels-to-features map, so it is an IdEmbedder and not an Embedder: `embed_dataset`
/// / `embed_samples` (embed_dataset.hpp) call `embed_ids`, without decoding images. Cost O(n·d)
/// to load.
/// @code
///   embed::PrecomputedEmbedder cxr({.npy_path = "cxr_foundation.npy", .ids_path = "ids.csv"});
///   Embeddings e = embed::embed_dataset(cxr, io::Dataset("data/jsrt"));
/// @endcode
/// @throws IoError for unreadable/malformed files or mismatched row and id counts, NumericError
///   for NaN/Inf, InvalidArgument for ids absent from the file.
class PrecomputedEmbedder {
 public:
  explicit PrecomputedEmbedder(PrecomputedParams p) : p_(std::move(p)) {
    COLDSTART_CHECK(!p_.npy_path.empty() && !p_.ids_path.empty(), InvalidArgument,
                    "npy_path ('{}') and ids_path ('{}') are required", p_.npy_path, p_.ids_path);
    x_ = io::read_npy_matrix(p_.npy_path, p_.check_finite);
    const io::CsvTable ids = io::read_csv(p_.ids_path);
    const std::size_t col = ids.require_column(p_.id_column, p_.ids_path);
    COLDSTART_IO_CHECK(static_cast<Index>(ids.rows.size()) == x_.rows(), p_.ids_path,
                       "{} ids for a {}×{} matrix in '{}'", ids.rows.size(), x_.rows(), x_.cols(),
                       p_.npy_path);
    ids_.reserve(ids.rows.size());
    for (std::size_t i = 0; i < ids.rows.size(); ++i) {
      const std::string& id = ids.rows[i][col];
      COLDSTART_IO_CHECK(!id.empty(), p_.ids_path, "empty id on data row {}", i + 1);
      const bool fresh = row_.emplace(id, static_cast<Index>(i)).second;
      COLDSTART_IO_CHECK(fresh, p_.ids_path, "duplicate id '{}' on data row {}", id, i + 1);
      ids_.push_back(id);
    }
    if (p_.name.empty()) p_.name = std::filesystem::path(p_.npy_path).stem().string();
    npy_sha256_ = io::sha256_file(p_.npy_path);
  }

  /// Rows of `ids`, in that order. InvalidArgument names the missing ids (first 5) and count.
  [[nodiscard]] RowMatrixXf embed_ids(std::span<const std::string> ids) const {
    COLDSTART_CHECK(!ids.empty(), InvalidArgument, "no ids to embed (n = 0){}", "");
    RowMatrixXf out(static_cast<Index>(ids.size()), x_.cols());
    std::size_t missing = 0;
    std::string shown;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto it = row_.find(ids[i]);
      if (it == row_.end()) {
        if (missing++ < 5) shown += (shown.empty() ? "'" : ", '") + ids[i] + "'";
        continue;
      }
      out.row(static_cast<Index>(i)) = x_.row(it->second);
    }
    COLDSTART_CHECK(missing == 0, InvalidArgument,
                    "{} of {} pool ids are not in '{}' (e.g. {}): the precomputed embeddings "
                    "do not match the pool",
                    missing, ids.size(), p_.ids_path, shown);
    return out;
  }

  [[nodiscard]] Index dim() const noexcept { return x_.cols(); }
  [[nodiscard]] Index size() const noexcept { return x_.rows(); }
  [[nodiscard]] std::string name() const { return p_.name; }
  [[nodiscard]] const std::vector<std::string>& ids() const noexcept { return ids_; }
  [[nodiscard]] boost::json::object card() const {
    boost::json::object c;
    c["name"] = p_.name;
    c["kind"] = "precomputed";
    c["npy_path"] = p_.npy_path;
    c["ids_path"] = p_.ids_path;
    c["npy_sha256"] = npy_sha256_;
    c["dim"] = static_cast<std::int64_t>(dim());
    c["rows"] = static_cast<std::int64_t>(size());
    return c;
  }

 private:
  PrecomputedParams p_;
  RowMatrixXf x_;
  std::vector<std::string> ids_;
  std::unordered_map<std::string, Index> row_;
  std::string npy_sha256_;
};

static_assert(!Embedder<PrecomputedEmbedder>);
static_assert(IdEmbedder<PrecomputedEmbedder>);

}  // namespace coldstart::embed
