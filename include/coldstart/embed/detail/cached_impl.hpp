#pragma once
// Definitions of CachedEmbedder (coldstart/embed/cached.hpp).

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "coldstart/embed/pixel.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/file_lock.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/npy.hpp"

namespace coldstart::embed {

inline std::string image_content_hash(const io::Image& img) {
  const std::string_view bytes(reinterpret_cast<const char*>(img.pixels.data()),
                               img.pixels.size() * sizeof(float));
  return io::sha256_hex(coldstart::detail::format("coldstart-image-v1 {}x{}x{} depth {} pixels {}",
                                                  img.height, img.width, img.channels,
                                                  img.bit_depth, io::sha256_hex(bytes)));
}

namespace detail {

/// The card without entries naming files ("*_path"): moving a model keeps its cache.
inline boost::json::object cache_key_card(boost::json::object card) {
  std::vector<std::string> drop;
  for (const auto& kv : card) {
    const std::string k(kv.key());
    if (k.size() >= 5 && k.compare(k.size() - 5, 5, "_path") == 0) drop.push_back(k);
  }
  for (const auto& k : drop) card.erase(k);
  return card;
}

/// File-name-safe version of an encoder name.
inline std::string safe_file_name(const std::string& s) {
  std::string out;
  for (char c : s)
    out.push_back(
        std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_');
  return out.empty() ? std::string("embedder") : out;
}

}  // namespace detail

template <Embedder E>
CachedEmbedder<E>::CachedEmbedder(E inner, std::string dir)
    : inner_(std::move(inner)), dir_(std::move(dir)) {
  COLDSTART_CHECK(!dir_.empty(), InvalidArgument, "cache dir is empty{}", "");
  inner_card_ = card_of(inner_);
  key_ = io::sha256_hex(boost::json::serialize(detail::cache_key_card(inner_card_)));
  stem_ = (std::filesystem::path(dir_) /
           (detail::safe_file_name(std::string(inner_.name())) + "-" + key_.substr(0, 16)))
              .string();
}

template <Embedder E>
std::optional<std::vector<std::string>> CachedEmbedder<E>::read_hashes() const {
  const std::string side = sidecar_path();
  if (!std::filesystem::exists(side)) return std::nullopt;
  const boost::json::value v = io::read_json(side);
  std::vector<std::string> hashes;
  try {
    const auto& o = v.as_object();
    COLDSTART_IO_CHECK(std::string_view(o.at("key").as_string()) == key_, side,
                       "sidecar key differs from the encoder's ({})", key_);
    for (const auto& h : o.at("hashes").as_array()) hashes.emplace_back(h.as_string());
  } catch (const coldstart::Error&) {
    throw;
  } catch (const std::exception& e) {
    COLDSTART_IO_CHECK(false, side, "malformed cache sidecar: {}", e.what());
  }
  return hashes;
}

template <Embedder E>
typename CachedEmbedder<E>::Stored CachedEmbedder<E>::read_files(
    std::optional<std::vector<std::string>> hashes) const {
  Stored s;
  if (!hashes) return s;
  s.hashes = std::move(*hashes);
  const RowMatrixXf x = io::read_npy_matrix(npy_path(), false);
  // The matrix is written first, so it may hold rows the sidecar does not list yet (a crash
  // between the two writes); those are dropped. Fewer rows than hashes is corruption.
  COLDSTART_IO_CHECK(x.rows() >= static_cast<Index>(s.hashes.size()) &&
                         (s.hashes.empty() || x.cols() == inner_.dim()),
                     npy_path(), "cache matrix is {}×{} but the sidecar lists {} rows of dim {}",
                     x.rows(), x.cols(), s.hashes.size(), inner_.dim());
  s.rows = x.topRows(static_cast<Index>(s.hashes.size()));
  return s;
}

template <Embedder E>
void CachedEmbedder<E>::adopt(Stored s) {
  rows_ = std::move(s.rows);
  hashes_ = std::move(s.hashes);
  row_of_.clear();
  for (std::size_t i = 0; i < hashes_.size(); ++i)
    row_of_.emplace(hashes_[i], static_cast<Index>(i));
}

template <Embedder E>
void CachedEmbedder<E>::load() {
  loaded_ = true;
  if (!std::filesystem::exists(sidecar_path())) return adopt({});
  std::optional<io::FileLock> lock;
  try {  // a read-only shared cache folder without a lock file is read unlocked
    lock.emplace(lock_path(), io::FileLock::Mode::kShared);
  } catch (const IoError&) {
  }
  adopt(read_files(read_hashes()));
}

template <Embedder E>
void CachedEmbedder<E>::write_files(const Stored& s) const {
  io::write_npy(npy_path(), s.rows);
  boost::json::object o;
  o["format"] = "coldstart-embedding-cache-v1";
  o["key"] = key_;
  o["card"] = inner_card_;
  o["dim"] = static_cast<std::int64_t>(s.rows.cols());
  o["rows"] = static_cast<std::int64_t>(s.rows.rows());
  boost::json::array hs;
  hs.reserve(s.hashes.size());
  for (const auto& h : s.hashes) hs.emplace_back(h);
  o["hashes"] = std::move(hs);
  io::write_json(sidecar_path(), o);
}

template <Embedder E>
void CachedEmbedder<E>::store(const RowMatrixXf& fresh,
                              const std::vector<std::string>& fresh_hashes) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  COLDSTART_IO_CHECK(!ec, dir_, "cannot create the cache folder: {}", ec.message());
  io::FileLock lock(lock_path(), io::FileLock::Mode::kExclusive);
  // Start from what is on disk now if another process wrote since our load (its sidecar lists
  // other hashes; the matrix is then re-read), and append what only we hold: our earlier rows
  // (if the files were removed) and the fresh ones. When the sidecar is still ours, our rows are
  // the file's and the matrix is not read again (embed calls this once per chunk).
  std::optional<std::vector<std::string>> on_disk = read_hashes();
  Stored s;
  if (on_disk.value_or(std::vector<std::string>{}) != hashes_) s = read_files(std::move(on_disk));
  std::unordered_set<std::string> have(s.hashes.begin(), s.hashes.end());
  std::vector<std::pair<const float*, const std::string*>> extra;
  for (std::size_t i = 0; i < hashes_.size(); ++i)
    if (have.insert(hashes_[i]).second)
      extra.emplace_back(rows_.row(static_cast<Index>(i)).data(), &hashes_[i]);
  for (std::size_t i = 0; i < fresh_hashes.size(); ++i)
    if (have.insert(fresh_hashes[i]).second)
      extra.emplace_back(fresh.row(static_cast<Index>(i)).data(), &fresh_hashes[i]);
  const Index old = s.rows.rows(), d = fresh.cols();
  RowMatrixXf grown(old + static_cast<Index>(extra.size()), d);
  if (old > 0) grown.topRows(old) = s.rows;
  for (std::size_t j = 0; j < extra.size(); ++j) {
    grown.row(old + static_cast<Index>(j)) =
        Eigen::Map<const Eigen::RowVectorXf>(extra[j].first, d);
    s.hashes.push_back(*extra[j].second);
  }
  s.rows = std::move(grown);
  if (!extra.empty()) write_files(s);
  adopt(std::move(s));
}

template <Embedder E>
RowMatrixXf CachedEmbedder<E>::embed(std::span<const io::Image> images) {
  COLDSTART_CHECK(!images.empty(), InvalidArgument, "no images to embed (n = 0){}", "");
  if (!loaded_) load();
  const auto n = static_cast<Index>(images.size());
  std::vector<std::string> h(images.size());
#pragma omp parallel for schedule(dynamic, 4)
  for (Index i = 0; i < n; ++i) h[i] = image_content_hash(images[i]);

  // Images whose hash is new, each once (duplicates inside the call are embedded once).
  std::vector<Index> todo;
  std::unordered_map<std::string, Index> pending;
  for (Index i = 0; i < n; ++i)
    if (!row_of_.contains(h[i]) && pending.emplace(h[i], i).second) todo.push_back(i);

  Index new_hits = 0;
  for (Index i = 0; i < n; ++i) new_hits += row_of_.contains(h[i]) ? 1 : 0;
  stats_.hits += new_hits;
  stats_.misses += n - new_hits;

  if (!todo.empty()) {
    RowMatrixXf fresh;
    if (static_cast<Index>(todo.size()) == n) {
      fresh = inner_.embed(images);
    } else {
      std::vector<io::Image> subset;
      subset.reserve(todo.size());
      for (Index i : todo) subset.push_back(images[i]);
      fresh = inner_.embed(std::span<const io::Image>(subset));
    }
    COLDSTART_CHECK(fresh.rows() == static_cast<Index>(todo.size()) &&
                        (rows_.rows() == 0 || fresh.cols() == rows_.cols()),
                    InvalidArgument,
                    "inner embedder '{}' returned {}×{} for {} images (cache dim {})",
                    inner_.name(), fresh.rows(), fresh.cols(), todo.size(), rows_.cols());
    coldstart::detail::check_finite_rows(fresh, "embed::CachedEmbedder::embed", "inner embedding");
    std::vector<std::string> fresh_hashes;
    fresh_hashes.reserve(todo.size());
    for (Index i : todo) fresh_hashes.push_back(h[i]);
    store(fresh, fresh_hashes);
  }
  stats_.rows_stored = rows_.rows();

  RowMatrixXf out(n, rows_.cols());
  for (Index i = 0; i < n; ++i) out.row(i) = rows_.row(row_of_.at(h[i]));
  return out;
}

template <Embedder E>
boost::json::object CachedEmbedder<E>::card() const {
  boost::json::object c = inner_card_;
  boost::json::object cache;
  cache["key"] = key_;
  cache["npy_path"] = npy_path();
  c["cache"] = std::move(cache);
  return c;
}

static_assert(DescribedEmbedder<CachedEmbedder<PixelEmbedder>>);

}  // namespace coldstart::embed
