// report::gallery_html and its parts: base64 (RFC 4648 test vectors), nearest picks against brute
// force, the page's marks and cards, thumbnails decoded back, bad input named.
#include <coldstart/io/png.hpp>
#include <coldstart/report/gallery.hpp>
#include <regex>

#include "support/testing.hpp"

namespace coldstart::report {
namespace {

using testing::TempDir;

/// RFC 4648 decoding, written independently of the encoder under test.
std::string unbase64(const std::string& s) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (const char c : s) {
    if (c == '=') break;
    acc = (acc << 6) | static_cast<unsigned>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(Gallery, Base64Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, out] : vectors) EXPECT_EQ(base64(in), out) << in;
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  EXPECT_EQ(unbase64(base64(bytes)), bytes);
}

TEST(Gallery, NearestPickMatchesBruteForce) {
  const auto b = testing::blobs(90, 5, 4, 3);
  const std::vector<Index> picks = {4, 17, 40, 66, 89};
  const std::vector<Index> got = nearest_pick(b.x, picks);
  ASSERT_EQ(got.size(), 90u);
  for (Index i = 0; i < 90; ++i) {
    Index best = 0;
    for (std::size_t k = 1; k < picks.size(); ++k)
      if ((b.x.row(i) - b.x.row(picks[k])).squaredNorm() <
          (b.x.row(i) - b.x.row(picks[best])).squaredNorm())
        best = static_cast<Index>(k);
    EXPECT_EQ(got[i], best) << "row " << i;
  }
  for (std::size_t k = 0; k < picks.size(); ++k) EXPECT_EQ(got[picks[k]], Index(k));
  EXPECT_THROW((void)nearest_pick(b.x, std::vector<Index>{}), InvalidArgument);
  EXPECT_THROW((void)nearest_pick(b.x, std::vector<Index>{90}), InvalidArgument);
}

TEST(Gallery, PageHasOneMarkPerPoolImageAndOneCardPerPick) {
  TempDir dir;
  const Index n = 30;
  const auto b = testing::blobs(n, 4, 3, 5);
  std::vector<std::string> ids, paths;
  for (Index i = 0; i < n; ++i) {
    ids.push_back(i == 2 ? "a<b&c" : "s" + std::to_string(i));
    paths.push_back(dir.file("s" + std::to_string(i) + ".png"));
    io::write_png(paths.back(), testing::ramp_image(40, 20 + int(i), 1, 0.01f * float(i)));
  }
  select::Selection sel;
  sel.indices = {2, 11, 25};
  sel.cluster = {0, 1, 2};
  sel.distance = {0.5f, 0.25f, 0.125f};
  const Gallery g = selection_gallery(b.x, ids, paths, sel);
  ASSERT_EQ(g.picks.size(), 3u);
  Index covered = 0;
  for (const auto& p : g.picks) covered += p.cell_size;
  EXPECT_EQ(covered, n);
  EXPECT_EQ(g.picks[1].cluster, 1);
  EXPECT_EQ(g.picks[2].distance, 0.125);

  const std::string html = gallery_html(g, {.thumbnail = 32});
  EXPECT_EQ(count(html, "<circle class=\"pool\""), std::size_t(n));
  EXPECT_EQ(count(html, "<circle class=\"pick\""), 3u);
  EXPECT_EQ(count(html, "<figure class=\"card\""), 3u);
  EXPECT_NE(html.find("a&lt;b&amp;c"), std::string::npos);  // ids are escaped
  EXPECT_EQ(html.find("a<b&c"), std::string::npos);
  // Nothing but data: URIs is loaded; the policy forbids the rest.
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'; img-src data:"), std::string::npos);
  // Each thumbnail decodes to the source image scaled to fit 32 px, aspect kept.
  const std::regex uri("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
  std::vector<io::Image> thumbs;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), uri); it != std::sregex_iterator();
       ++it)
    thumbs.push_back(io::decode_png(unbase64((*it)[1].str()), "thumbnail"));
  ASSERT_EQ(thumbs.size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) {  // 40 × (20 + row): rows 2, 11 taller, row 25 wider
    const int w = 20 + int(sel.indices[k]);
    const double f = 32.0 / std::max(40, w);
    EXPECT_EQ(thumbs[k].height, int(std::lround(40 * f))) << k;
    EXPECT_EQ(thumbs[k].width, int(std::lround(w * f))) << k;
  }
}

TEST(Gallery, UnreadableImageIsNamed) {
  TempDir dir;
  testing::write_text(dir.file("broken.png"), "not a png");
  Gallery g;
  g.title = "t";
  g.picks.push_back({.id = "x", .image_path = dir.file("broken.png")});
  try {
    (void)gallery_html(g);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("broken.png"), std::string::npos) << e.what();
  }
  // A map whose shape does not match its ids.
  Gallery bad;
  bad.map = RowMatrixXf::Zero(3, 2);
  bad.pool_ids = {"a"};
  EXPECT_THROW((void)gallery_html(bad), InvalidArgument);
}

}  // namespace
}  // namespace coldstart::report
