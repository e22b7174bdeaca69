// What select/acquire hand over: percent-encoded Label Studio URLs (reference: Python's
// urllib.parse.quote(s, safe="/")), predictions with the acquisition score, the labeling config,
// the flat image export for CVAT (DICOM converted), and the gallery option.
#include <boost/json.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/image_file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/io/png.hpp>
#include <set>

#include "cli/cli.hpp"
#include "cli/handoff.hpp"
#include "cli_testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::slurp;
using coldstart::testing::TempDir;

namespace {

/// A minimal DICOM file (Explicit VR Little Endian, MONOCHROME2, 8 bits, 12×10), written here
/// byte by byte (PS3.5 7.1.2, PS3.10 7.1) so the test needs no DICOM library.
void write_dicom(const std::string& path, int offset) {
  std::string b(128, '\0');
  b += "DICM";
  const auto u16 = [&](unsigned v) { b += char(v & 255), b += char(v >> 8); };
  const auto elem = [&](unsigned g, unsigned e, const char* vr, const std::string& v) {
    u16(g), u16(e), b += vr, u16(unsigned(v.size())), b += v;
  };
  const auto us = [](unsigned v) { return std::string{char(v & 255), char(v >> 8)}; };
  elem(0x0002, 0x0010, "UI", std::string("1.2.840.10008.1.2.1") + '\0');
  elem(0x0028, 0x0002, "US", us(1));
  elem(0x0028, 0x0004, "CS", "MONOCHROME2 ");
  elem(0x0028, 0x0010, "US", us(12));
  elem(0x0028, 0x0011, "US", us(10));
  elem(0x0028, 0x0100, "US", us(8));
  elem(0x0028, 0x0101, "US", us(8));
  elem(0x0028, 0x0102, "US", us(7));
  elem(0x0028, 0x0103, "US", us(0));
  u16(0x7FE0), u16(0x0010), b += "OB", u16(0), u16(120), u16(0);
  for (int i = 0; i < 120; ++i) b += char((i * 2 + offset) & 255);
  coldstart::testing::write_text(path, b);
}

/// A pool of PNGs with awkward names (and optionally DICOM files) plus pixel embeddings.
std::vector<std::string> write_pool(const TempDir& dir, bool with_dicom) {
  fs::create_directories(dir.path() / "pool");
  std::vector<std::string> names = {"img #1 é.png", "x&y=2.png", "a b.png", "p3.png",
                                    "p4.png",       "p5.png",    "p6.png",  "p7.png"};
  for (std::size_t i = 0; i < names.size(); ++i)
    io::write_png((dir.path() / "pool" / names[i]).string(),
                  coldstart::testing::ramp_image(12, 10, 1, 0.1f * float(i)));
  if (with_dicom)
    for (const char* f : {"ramp8.dcm", "ramp8b.dcm"}) {
      write_dicom((dir.path() / "pool" / f).string(), f[5] == 'b' ? 3 : 0);
      names.push_back(f);
    }
  return names;
}

}  // namespace

TEST(Handoff, PercentEncodingMatchesPythonQuote) {
  // urllib.parse.quote(s, safe="/") (Python 3.11) on the same strings.
  EXPECT_EQ(cli::percent_encode("img #1 é.png"), "img%20%231%20%C3%A9.png");
  EXPECT_EQ(cli::percent_encode("x&y=2.png"), "x%26y%3D2.png");
  EXPECT_EQ(cli::percent_encode("a/b_c-d.e~f%?+"), "a/b_c-d.e~f%25%3F%2B");
  EXPECT_EQ(cli::labelstudio_url("/data/set/img #1.png", "/data/local-files/?d=", "/data/set"),
            "/data/local-files/?d=img%20%231.png");
  // No root: an absolute path is taken relative to "/" (the document root it then needs).
  EXPECT_EQ(cli::labelstudio_url("/data/set/x&y.png", "/data/local-files/?d=", ""),
            "/data/local-files/?d=data/set/x%26y.png");
}

TEST(Handoff, LabelStudioConfigXml) {
  const std::string c = cli::labelstudio_config("classification", {"benign", "a<b"});
  EXPECT_TRUE(contains(c, "<Image name=\"image\" value=\"$image\""));
  EXPECT_TRUE(contains(c, "<Choices name=\"class\" toName=\"image\""));
  EXPECT_TRUE(contains(c, "<Choice value=\"benign\"/>") &&
              contains(c, "<Choice value=\"a&lt;b\"/>"));
  const std::string s = cli::labelstudio_config("segmentation", {"lesion"});
  EXPECT_TRUE(contains(s, "<BrushLabels name=\"mask\" toName=\"image\">"));
  EXPECT_TRUE(contains(s, "<Label value=\"lesion\""));
  EXPECT_THROW((void)cli::labelstudio_config("detection", {"x"}), InvalidArgument);
}

TEST(Handoff, SelectExportsImagesForCvatAndConfigForLabelStudio) {
  TempDir dir;
  const auto names = write_pool(dir, /*with_dicom=*/true);
  const std::string pool = (dir.path() / "pool").string();
  auto r = run_cli({"embed", "--images", pool, "--encoder", "pixels", "--size", "6", "--progress",
                    "none", "--out", dir.file("emb.npy")});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli({"select",
               "--embeddings",
               dir.file("emb.npy"),
               "--budget",
               "10",
               "--strategy",
               "kcenter",
               "--format",
               "cvat",
               "--format",
               "labelstudio",
               "--path-root",
               pool,
               "--export-images",
               dir.file("export"),
               "--labelstudio-config",
               "classification",
               "--class-names",
               "normal,abnormal",
               "--gallery",
               dir.file("g.html"),
               "--out",
               dir.file("picks.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable picks = io::read_csv(dir.file("picks.csv"));
  ASSERT_EQ(picks.rows.size(), 10u);  // the whole pool: every file, DICOM included

  // The folder holds exactly the picks: PNGs byte for byte, DICOM as 8-bit PNG of read_image.
  std::set<std::string> files;
  for (const auto& e : fs::directory_iterator(dir.file("export")))
    files.insert(e.path().filename().string());
  std::set<std::string> want;
  for (const auto& row : picks.rows) {
    const fs::path src(row[1]);
    const bool dicom = src.extension() == ".dcm";
    const std::string name = dicom ? src.stem().string() + ".png" : src.filename().string();
    want.insert(name);
    const std::string out = (fs::path(dir.file("export")) / name).string();
    if (!dicom) {
      EXPECT_EQ(slurp(out), slurp(src.string())) << name;
      continue;
    }
    const io::Image ref = io::read_image(src.string()), got = io::read_png(out);
    ASSERT_EQ(got.width, ref.width);
    ASSERT_EQ(got.height, ref.height);
    EXPECT_EQ(got.bit_depth, 8);
    for (std::size_t p = 0; p < ref.pixels.size(); ++p)
      ASSERT_NEAR(got.pixels[p], std::round(ref.pixels[p] * 255.0f) / 255.0f, 1e-6) << name;
  }
  EXPECT_EQ(files, want);

  // The CVAT manifest lists the exported names in pick order.
  std::istringstream cvat(slurp(dir.file("picks.cvat.jsonl")));
  std::vector<std::string> listed;
  for (std::string line; std::getline(cvat, line);) {
    const auto o = boost::json::parse(line).as_object();
    if (o.contains("name"))
      listed.push_back(std::string(o.at("name").as_string()) +
                       std::string(o.at("extension").as_string()));
  }
  ASSERT_EQ(listed.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_TRUE(want.count(listed[i])) << listed[i];
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), want);

  // Label Studio: encoded URLs relative to the root; the config has the given classes.
  const auto ls = boost::json::parse(slurp(dir.file("picks.labelstudio.json"))).as_array();
  for (std::size_t i = 0; i < ls.size(); ++i) {
    const auto& d = ls[i].as_object().at("data").as_object();
    EXPECT_EQ(d.at("image").as_string(),
              "/data/local-files/?d=" +
                  cli::percent_encode(fs::path(picks.rows[i][1]).filename().string()));
    EXPECT_FALSE(ls[i].as_object().contains("predictions"));  // select has no model scores
  }
  const std::string xml = slurp(dir.file("picks.labelstudio.xml"));
  EXPECT_TRUE(contains(xml, "<Choice value=\"normal\"/>") &&
              contains(xml, "<Choice value=\"abnormal\"/>"));
  // Every file is in the manifest with its hash.
  const auto m = io::read_json(dir.file("picks.manifest.json")).as_object();
  const auto& outs = m.at("outputs").as_object();
  EXPECT_EQ(outs.at("g.html").as_object().at("sha256").as_string(),
            io::sha256_file(dir.file("g.html")));
  EXPECT_EQ(outs.at("picks.labelstudio.xml").as_object().at("sha256").as_string(),
            io::sha256_file(dir.file("picks.labelstudio.xml")));
  for (const auto& name : want)
    EXPECT_EQ(outs.at("export-images/" + name).as_object().at("sha256").as_string(),
              io::sha256_file((fs::path(dir.file("export")) / name).string()));
}

TEST(Handoff, ExportRefusesForeignFilesAndNameClashes) {
  TempDir dir;
  write_pool(dir, false);
  const std::string pool = (dir.path() / "pool").string();
  ASSERT_EQ(run_cli({"embed", "--images", pool, "--encoder", "pixels", "--size", "4", "--progress",
                     "none", "--out", dir.file("emb.npy")})
                .code,
            0);
  fs::create_directories(dir.file("busy"));
  coldstart::testing::write_text(dir.file("busy/old.png"), "x");
  auto r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "3",
                    "--export-images", dir.file("busy"), "--out", dir.file("p.csv")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "old.png") && contains(r.err, "busy")) << r.err;
  EXPECT_FALSE(fs::exists(dir.file("p.csv")));  // nothing written
  // Two picks that would share a flat name.
  io::CsvTable ids = io::read_csv(dir.file("emb.ids.csv"));
  const std::size_t pc = *ids.column("path");
  for (std::size_t i = 0; i < ids.rows.size(); ++i)
    ids.rows[i][pc] = (dir.path() / ("d" + std::to_string(i)) / "same.png").string();
  for (std::size_t i = 0; i < ids.rows.size(); ++i) {
    fs::create_directories(dir.path() / ("d" + std::to_string(i)));
    io::write_png(ids.rows[i][pc], coldstart::testing::ramp_image(4, 4));
  }
  io::write_csv(dir.file("clash.csv"), ids);
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--ids", dir.file("clash.csv"),
               "--budget", "2", "--export-images", dir.file("new"), "--out", dir.file("p.csv")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "same.png")) << r.err;
  // Classification config without class names or labels.csv: usage error.
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "2",
               "--labelstudio-config", "classification", "--out", dir.file("p.csv")});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_TRUE(contains(r.err, "--class-names")) << r.err;
}

TEST(Handoff, AcquireWritesPredictionsWithScores) {
  TempDir dir;
  const Index n = 12;
  RowMatrixXf p(n, 2);
  for (Index i = 0; i < n; ++i) p.row(i) << 0.05f + 0.075f * float(i), 0.95f - 0.075f * float(i);
  io::write_npy(dir.file("probs.npy"), p);
  io::CsvTable ids{{"id", "path"}, {}};
  for (Index i = 0; i < n; ++i)
    ids.rows.push_back({"q" + std::to_string(i), "/srv/img/q " + std::to_string(i) + ".png"});
  io::write_csv(dir.file("probs.ids.csv"), ids);
  coldstart::testing::write_text(dir.file("done.csv"), "id\nq0\n");
  const auto r = run_cli({"acquire", "--probabilities", dir.file("probs.npy"), "--labelled",
                          dir.file("done.csv"), "--batch", "4", "--strategy", "entropy", "--format",
                          "labelstudio", "--path-root", "/srv", "--labelstudio-config",
                          "segmentation", "--out", dir.file("next.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const io::CsvTable batch = io::read_csv(dir.file("next.csv"));
  const auto ls = boost::json::parse(slurp(dir.file("next.labelstudio.json"))).as_array();
  ASSERT_EQ(ls.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& task = ls[i].as_object();
    const auto& pred = task.at("predictions").as_array().at(0).as_object();
    EXPECT_NEAR(pred.at("score").to_number<double>(), std::stod(batch.rows[i][2]), 1e-6);
    EXPECT_TRUE(
        contains(std::string(pred.at("model_version").as_string()), "entropy on probs.npy"));
    EXPECT_TRUE(pred.at("result").as_array().empty());
    EXPECT_EQ(task.at("data").as_object().at("image").as_string(),
              "/data/local-files/?d=img/" +
                  cli::percent_encode(fs::path(batch.rows[i][1]).filename().string()));
  }
  // Entropy of a binary distribution: the scores are the entropies of the rows (nats).
  for (const auto& row : batch.rows) {
    const Index i = std::stol(row[0].substr(1));
    const double a = p(i, 0), b = p(i, 1);
    EXPECT_NEAR(std::stod(row[2]), -(a * std::log(a) + b * std::log(b)), 1e-5);
  }
  EXPECT_TRUE(contains(slurp(dir.file("next.labelstudio.xml")), "<Label value=\"foreground\""));
}
