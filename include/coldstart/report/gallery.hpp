#pragma once
// A gallery of picks: one self-contained HTML file (thumbnails as data: URIs, the map as inline
// SVG, no script, no network) that shows a radiologist what was picked and where it sits in the
// pool.

#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coldstart/select/concept.hpp"
#include "coldstart/types.hpp"

namespace coldstart::report {

/// One pick of the gallery, in annotation order.
struct GalleryItem {
  std::string id;
  std::string image_path;  ///< shown as a thumbnail ("" = none)
  Index row = -1;          ///< its pool row (mark on the map); -1 = not on the map
  Index cluster = -1;      ///< the selector's cluster id; -1 = none
  double distance = std::numeric_limits<double>::quiet_NaN();  ///< to its cluster centre
  Index cell_size = -1;  ///< pool images nearer to this pick than to any other; -1 = unknown
  double score = std::numeric_limits<double>::quiet_NaN();  ///< acquisition score (batches)
};

/// What the page shows.
struct Gallery {
  std::string title;                                       ///< page heading
  std::vector<std::pair<std::string, std::string>> facts;  ///< "strategy: kmeans-centroid", ...
  std::vector<GalleryItem> picks;                          ///< in annotation order
  std::vector<std::string> pool_ids;  ///< one per pool row (map tooltips); empty = no map
  RowMatrixXf map;                    ///< n×2 map coordinates (pca_project); empty = no map
  std::vector<Index> pool_pick;       ///< per pool row: index into `picks` of its nearest pick
};

struct GalleryParams {
  int thumbnail = 192;   ///< longest thumbnail side in pixels; 16 ≤ thumbnail ≤ 1024
  int map_width = 720;   ///< map size in CSS pixels; ≥ 200
  int map_height = 520;  ///< ≥ 200
};

/// The pool row of each pool image's nearest pick (Euclidean, in x), as an index into
/// `pick_rows`, ties to the earlier pick. Time O(n·picks·d).
/// @throws InvalidArgument for no picks or a pick row outside x.
[[nodiscard]] std::vector<Index> nearest_pick(EmbeddingsView x, std::span<const Index> pick_rows);

/// The gallery of a cold-start selection on the pool x (ids and image paths per row): a PCA map
/// of x, each pool image coloured by its nearest pick, and per pick its cluster, distance and
/// the size of its cell (pool images nearest to it; for a clustering selector close to, but not
/// the same as, its cluster, which the selector computed in its own space).
/// @throws InvalidArgument when ids/paths do not have x.rows() entries or a row is out of range.
[[nodiscard]] Gallery selection_gallery(EmbeddingsView x, const std::vector<std::string>& ids,
                                        const std::vector<std::string>& paths,
                                        const select::Selection& selection);

/// The page as text: reads every pick's image (IoError naming the file when it cannot) and
/// embeds an 8-bit PNG thumbnail as a data: URI. A Content-Security-Policy allows only data:
/// images and inline style, so the page opens from disk and never touches the network.
/// @throws IoError (unreadable image), InvalidArgument (map shape, bad params).
[[nodiscard]] std::string gallery_html(const Gallery& g, const GalleryParams& p = {});

/// "data:image/png;base64,..." of the image at `path` scaled to fit `size`×`size` (never
/// enlarged), gray or RGB, 8 bits. @throws IoError naming the file.
[[nodiscard]] std::string thumbnail_data_uri(const std::string& path, int size);

/// RFC 4648 base64 of `bytes` (with '=' padding).
[[nodiscard]] std::string base64(std::string_view bytes);

}  // namespace coldstart::report
