// The gallery page (report/gallery.hpp): thumbnails, the pool map, the picks' facts.
#include "coldstart/report/gallery.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/error.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/png.hpp"
#include "coldstart/report/pca.hpp"

namespace coldstart::report {

namespace {

std::string escape(const std::string& s) {
  std::string o;
  for (const char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string number(double v, int digits = 4) {
  if (!std::isfinite(v)) return "–";
  std::ostringstream o;
  o.precision(digits);
  o << v;
  return o.str();
}

/// Distinct hues for up to a few hundred picks: golden-angle steps around the colour wheel.
std::string colour(Index pick) {
  const double hue = std::fmod(static_cast<double>(pick) * 137.508, 360.0);
  std::ostringstream o;
  o << "hsl(" << static_cast<int>(hue) << ",70%," << (pick % 2 ? 38 : 48) << "%)";
  return o.str();
}

constexpr const char* kStyle = R"(
body{font-family:sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:22px 0 8px}
.facts{color:#555;font-size:13px}.facts span{margin-right:16px}
.grid{display:flex;flex-wrap:wrap;gap:12px}
.card{margin:0;background:#fff;border:3px solid #999;border-radius:6px;padding:6px;width:min-content}
.card img{display:block;image-rendering:auto;background:#000}
.card figcaption{font-size:12px;margin-top:4px;white-space:nowrap}
.card .rank{font-weight:bold;font-size:14px}
.map{background:#fff;border:1px solid #ccc}
.note{font-size:12px;color:#555;max-width:720px}
)";

void write_map(std::ostream& o, const Gallery& g, const GalleryParams& p) {
  const Index n = g.map.rows();
  const double W = p.map_width, H = p.map_height, L = 56, R = 16, T = 16, B = 48;
  const Eigen::VectorXf x = g.map.col(0), y = g.map.col(1);
  const double x0 = x.minCoeff(), x1 = std::max<double>(x.maxCoeff(), x0 + 1e-9);
  const double y0 = y.minCoeff(), y1 = std::max<double>(y.maxCoeff(), y0 + 1e-9);
  const auto sx = [&](double v) { return L + (v - x0) / (x1 - x0) * (W - L - R); };
  const auto sy = [&](double v) { return H - B - (v - y0) / (y1 - y0) * (H - T - B); };
  o << "<h2>Where the picks sit in the pool</h2>\n<svg class=\"map\" id=\"map\" "
       "xmlns=\"http://www.w3.org/2000/svg\" width=\""
    << W << "\" height=\"" << H << "\" viewBox=\"0 0 " << W << " " << H << "\">\n"
    << "<line x1=\"" << L << "\" y1=\"" << H - B << "\" x2=\"" << W - R << "\" y2=\"" << H - B
    << "\" stroke=\"#444\"/><line x1=\"" << L << "\" y1=\"" << T << "\" x2=\"" << L << "\" y2=\""
    << H - B << "\" stroke=\"#444\"/>\n<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 14
    << "\" text-anchor=\"middle\" font-size=\"13\">principal component 1</text>\n<text x=\"16\" "
    << "y=\"" << (T + H - B) / 2
    << "\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 16 " << (T + H - B) / 2
    << ")\">principal component 2</text>\n<g id=\"pool\">\n";
  for (Index i = 0; i < n; ++i) {
    const Index k = g.pool_pick.empty() ? -1 : g.pool_pick[i];
    o << "<circle class=\"pool\" cx=\"" << number(sx(x[i]), 6) << "\" cy=\"" << number(sy(y[i]), 6)
      << "\" r=\"3\" fill=\"" << (k >= 0 ? colour(k) : std::string("#888"))
      << "\" fill-opacity=\"0.55\"><title>" << escape(g.pool_ids[i])
      << (k >= 0 ? " · nearest pick #" + std::to_string(k + 1) : "") << "</title></circle>\n";
  }
  o << "</g>\n<g id=\"picks\">\n";
  for (std::size_t k = 0; k < g.picks.size(); ++k) {
    const Index row = g.picks[k].row;
    if (row < 0) continue;
    const double cx = sx(x[row]), cy = sy(y[row]);
    o << "<circle class=\"pick\" cx=\"" << number(cx, 6) << "\" cy=\"" << number(cy, 6)
      << "\" r=\"8\" fill=\"" << colour(static_cast<Index>(k))
      << "\" stroke=\"#000\" stroke-width=\"2\"><title>#" << k + 1 << " " << escape(g.picks[k].id)
      << "</title></circle><text x=\"" << number(cx, 6) << "\" y=\"" << number(cy + 3.5, 6)
      << "\" text-anchor=\"middle\" font-size=\"9\" font-weight=\"bold\" "
      << "fill=\"#fff\" pointer-events=\"none\">" << k + 1 << "</text>\n";
  }
  o << "</g>\n</svg>\n<p class=\"note\">Small dots: the " << n << " pool images"
    << (g.pool_pick.empty() ? "" : ", coloured by their nearest pick (in the embedding space)")
    << ". Ringed, numbered dots: the picks, in annotation order. The axes are the first two "
       "principal components of the embeddings; distances on the map only approximate "
       "distances in the embedding space.</p>\n";
}

void write_card(std::ostream& o, const GalleryItem& it, std::size_t k, const GalleryParams& p) {
  o << "<figure class=\"card\" id=\"pick-" << k + 1
    << "\" style=\"border-color:" << colour(static_cast<Index>(k)) << "\">";
  if (!it.image_path.empty())
    o << "<img style=\"width:" << p.thumbnail << "px;height:" << p.thumbnail
      << "px;object-fit:contain\" src=\"" << thumbnail_data_uri(it.image_path, p.thumbnail)
      << "\" alt=\"" << escape(it.id) << "\" title=\"" << escape(it.image_path) << "\">";
  o << "<figcaption><span class=\"rank\">#" << k + 1 << "</span> " << escape(it.id);
  if (it.cluster >= 0 || std::isfinite(it.distance) || it.cell_size >= 0)
    o << "<br>cluster " << (it.cluster >= 0 ? std::to_string(it.cluster) : "–") << " · distance "
      << number(it.distance) << "<br>cluster size "
      << (it.cell_size >= 0 ? std::to_string(it.cell_size) : "–");
  if (std::isfinite(it.score)) o << "<br>score " << number(it.score, 6);
  o << "</figcaption></figure>\n";
}

}  // namespace

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string thumbnail_data_uri(const std::string& path, int size) {
  io::Image img = io::read_image(path);
  const double f = std::min(1.0, static_cast<double>(size) / std::max(img.width, img.height));
  const int h = std::max(1, static_cast<int>(std::lround(img.height * f)));
  const int w = std::max(1, static_cast<int>(std::lround(img.width * f)));
  if (h != img.height || w != img.width) img = io::resize_bilinear(img, h, w);
  return "data:image/png;base64," + base64(io::encode_png(img, 8, path));
}

std::vector<Index> nearest_pick(EmbeddingsView x, std::span<const Index> pick_rows) {
  COLDSTART_CHECK(!pick_rows.empty(), InvalidArgument, "no picks{}", "");
  RowMatrixXf centres(static_cast<Index>(pick_rows.size()), x.cols());
  for (std::size_t k = 0; k < pick_rows.size(); ++k) {
    COLDSTART_CHECK(pick_rows[k] >= 0 && pick_rows[k] < x.rows(), InvalidArgument,
                    "pick row {} outside the pool of {}", pick_rows[k], x.rows());
    centres.row(static_cast<Index>(k)) = x.row(pick_rows[k]);
  }
  std::vector<Index> nearest;
  Eigen::VectorXf sq;
  cluster::assign_nearest(x, centres, nearest, sq);
  return nearest;
}

Gallery selection_gallery(EmbeddingsView x, const std::vector<std::string>& ids,
                          const std::vector<std::string>& paths,
                          const select::Selection& selection) {
  const auto n = static_cast<std::size_t>(x.rows());
  COLDSTART_CHECK(ids.size() == n && paths.size() == n, InvalidArgument,
                  "{} ids and {} paths for {} embeddings", ids.size(), paths.size(), n);
  Gallery g;
  g.pool_ids = ids;
  g.map = pca_project(x, {.components = std::min<Index>(2, std::min<Index>(x.rows(), x.cols()))});
  if (g.map.cols() < 2) {  // one row or one column: put the pool on a line
    g.map.conservativeResize(g.map.rows(), 2);
    g.map.col(1).setZero();
  }
  g.pool_pick = nearest_pick(x, selection.indices);
  std::vector<Index> cell(selection.indices.size(), 0);
  for (const Index k : g.pool_pick) ++cell[static_cast<std::size_t>(k)];
  for (Index k = 0; k < selection.size(); ++k) {
    const auto uk = static_cast<std::size_t>(k);
    const Index row = selection.indices[uk];
    GalleryItem it{.id = ids[static_cast<std::size_t>(row)],
                   .image_path = paths[static_cast<std::size_t>(row)],
                   .row = row,
                   .cell_size = cell[uk]};
    if (uk < selection.cluster.size()) it.cluster = selection.cluster[uk];
    if (uk < selection.distance.size()) it.distance = selection.distance[uk];
    g.picks.push_back(std::move(it));
  }
  return g;
}

std::string gallery_html(const Gallery& g, const GalleryParams& p) {
  COLDSTART_CHECK(
      p.thumbnail >= 16 && p.thumbnail <= 1024 && p.map_width >= 200 && p.map_height >= 200,
      InvalidArgument, "thumbnail {} px, map {}×{} px out of range", p.thumbnail, p.map_width,
      p.map_height);
  const bool has_map = g.map.rows() > 0;
  COLDSTART_CHECK(!has_map || (g.map.cols() == 2 &&
                               g.pool_ids.size() == static_cast<std::size_t>(g.map.rows()) &&
                               (g.pool_pick.empty() || g.pool_pick.size() == g.pool_ids.size())),
                  InvalidArgument, "map {}×{} with {} pool ids and {} nearest picks", g.map.rows(),
                  g.map.cols(), g.pool_ids.size(), g.pool_pick.size());
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src "
       "data:; style-src 'unsafe-inline'\">\n<title>"
    << escape(g.title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n<h1>"
    << escape(g.title) << "</h1>\n<div class=\"facts\">";
  for (const auto& [k, v] : g.facts)
    o << "<span>" << escape(k) << ": <b>" << escape(v) << "</b></span>";
  const bool batch = std::any_of(g.picks.begin(), g.picks.end(),
                                 [](const GalleryItem& it) { return std::isfinite(it.score); });
  o << "</div>\n<h2>The " << g.picks.size() << (batch ? " samples of the batch" : " picks")
    << ", in annotation order</h2>\n<div class=\"grid\" id=\"picks-grid\">\n";
  for (std::size_t k = 0; k < g.picks.size(); ++k) write_card(o, g.picks[k], k, p);
  o << "</div>\n";
  if (has_map) write_map(o, g, p);
  o << "</body>\n</html>\n";
  return o.str();
}

}  // namespace coldstart::report
