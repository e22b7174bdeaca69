// Unit tests of the commands as functions, in process: parse_* (usage errors, --param and the
// legacy options mapped onto declared parameters), the run step's result on tiny files, and the
// library entry points (a selector registered at run time is selectable by name).
#include <coldstart/acquire.hpp>
#include <coldstart/cli/commands.hpp>
#include <coldstart/io/csv.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/select.hpp>
#include <filesystem>
#include <sstream>

#include "cli/acquire.hpp"
#include "cli/select.hpp"
#include "coldstart/registry/registry.hpp"
#include "support/testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using namespace coldstart::cli;
using coldstart::testing::TempDir;

namespace {

std::string id_of(Index i) { return "s" + std::string(i < 10 ? "0" : "") + std::to_string(i); }

/// n blob embeddings written to <dir>/emb.npy + emb.ids.csv (ids s00.., paths /d/<id>.png).
RowMatrixXf write_embeddings(const TempDir& dir, Index n, Index d, Index k, std::uint64_t seed) {
  const auto b = coldstart::testing::blobs(n, d, k, seed);
  io::write_npy(dir.file("emb.npy"), b.x);
  io::CsvTable ids{{"id", "path"}, {}};
  for (Index i = 0; i < n; ++i) ids.rows.push_back({id_of(i), "/d/" + id_of(i) + ".png"});
  io::write_csv(dir.file("emb.ids.csv"), ids);
  return b.x;
}

std::vector<std::string> select_args(const TempDir& dir, std::vector<std::string> extra) {
  std::vector<std::string> a = {"--embeddings", dir.file("emb.npy"), "--budget", "4",
                                "--out",        dir.file("p.csv")};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

}  // namespace

TEST(CliSelectParse, DefaultsAndRegistryChoices) {
  TempDir dir;
  const SelectOptions o = parse_select(select_args(dir, {}));
  EXPECT_EQ(o.strategy, kDefaultStrategy);
  EXPECT_TRUE(o.params.empty());
  EXPECT_EQ(o.budget, 4);
  EXPECT_EQ(o.seed, 0u);
  EXPECT_FALSE(o.embed.has_value());
  EXPECT_THROW_MSG((void)parse_select(select_args(dir, {"--strategy", "best"})), UsageError,
                   "--strategy: unknown selector 'best' (expected kmeans-paper");
  EXPECT_THROW_MSG((void)parse_select({"--embeddings", "e.npy", "--budget", "0", "--out", "p"}),
                   UsageError, "--budget must be positive (got 0)");
  EXPECT_THROW_MSG((void)parse_select(select_args(dir, {"--images", dir.path().string()})),
                   UsageError, "exactly one of --embeddings and --images");
  EXPECT_THROW_MSG((void)parse_select(select_args(dir, {"--format", "xml"})), UsageError,
                   "--format must be cvat or labelstudio (got 'xml')");
}

TEST(CliSelectParse, ParamsAndPseudoClassesMapOntoDeclaredParameters) {
  TempDir dir;
  auto o = parse_select(select_args(dir, {"--strategy", "probcover", "--pseudo-classes", "4"}));
  EXPECT_EQ(o.params.at("n_pseudo_classes").as_int64(), 4);
  // Selectors without the parameter ignore --pseudo-classes, as they always did.
  o = parse_select(select_args(dir, {"--strategy", "kcenter", "--pseudo-classes", "4"}));
  EXPECT_TRUE(o.params.empty());
  o = parse_select(select_args(
      dir, {"--strategy", "typiclust", "--param", "k_nn=7", "--param", "max_clusters=50"}));
  EXPECT_EQ(o.params.at("k_nn").as_int64(), 7);
  EXPECT_EQ(o.params.at("max_clusters").as_int64(), 50);
  EXPECT_THROW_MSG(
      (void)parse_select(select_args(dir, {"--strategy", "typiclust", "--param", "radius=2"})),
      UsageError, "selector 'typiclust' has no parameter 'radius'");
  EXPECT_THROW_MSG(
      (void)parse_select(select_args(dir, {"--strategy", "typiclust", "--param", "k_nn=x"})),
      UsageError, "parameter 'k_nn' expects int, got 'x'");
  EXPECT_THROW_MSG(
      (void)parse_select(select_args(dir, {"--strategy", "probcover", "--param",
                                           "n_pseudo_classes=3", "--pseudo-classes", "4"})),
      UsageError, "--pseudo-classes and --param n_pseudo_classes");
  // Values the Params' validate() refuses are usage errors too, before any work.
  EXPECT_THROW_MSG(
      (void)parse_select(select_args(dir, {"--strategy", "probcover", "--param", "alpha=2"})),
      UsageError, "alpha");
}

TEST(CliSelectParse, EncoderOptionsBecomeTheEncodersParameters) {
  TempDir dir;
  const std::vector<std::string> base = {"--images", dir.path().string(), "--budget", "2",
                                         "--out",    dir.file("p.csv")};
  auto with = [&](std::vector<std::string> extra) {
    auto a = base;
    if (std::find(extra.begin(), extra.end(), "--encoder") == extra.end())
      a.insert(a.end(), {"--encoder", "pixels"});
    a.insert(a.end(), extra.begin(), extra.end());
    return parse_select(a);
  };
  auto o = with({"--size", "8", "--batch-size", "4"});
  ASSERT_TRUE(o.embed.has_value());
  EXPECT_EQ(o.embed->encoder, "pixels");
  EXPECT_EQ(o.embed->encoder_params.at("size").as_int64(), 8);
  EXPECT_FALSE(o.embed->encoder_params.contains("batch_size"));  // pixels has none
  EXPECT_TRUE(o.embed->cache_dir.empty());                       // pixels: no cache by default
  o = with({"--encoder-param", "size=12"});
  EXPECT_EQ(o.embed->encoder_params.at("size").as_int64(), 12);
  EXPECT_THROW_MSG((void)with({"--preset", "txrv"}), UsageError,
                   "--preset does not apply to encoder 'pixels'");
  EXPECT_THROW_MSG((void)with({"--encoder", "resnet"}), UsageError,
                   "--encoder: unknown encoder 'resnet' (expected pixels");
  EXPECT_THROW_MSG((void)with({"--size", "8", "--encoder-param", "size=9"}), UsageError,
                   "--size and --param size");
  o = with({"--encoder", "m.pt", "--preset", "txrv", "--batch-size", "4"});
  EXPECT_EQ(o.embed->encoder_params.at("preset").as_string(), "txrv");
  EXPECT_EQ(o.embed->encoder_params.at("batch_size").as_int64(), 4);
  EXPECT_FALSE(o.embed->cache_dir.empty());
}

TEST(CliSelectRun, ResultMatchesTheLibraryAndWritesNothing) {
  TempDir dir;
  const RowMatrixXf x = write_embeddings(dir, 40, 3, 4, 21);
  coldstart::testing::write_text(dir.file("done.csv"), "id\ns03\n");
  const SelectOptions o =
      parse_select(select_args(dir, {"--strategy", "typiclust", "--param", "k_nn=5", "--labelled",
                                     dir.file("done.csv"), "--seed", "7"}));
  const SelectResult r = cli::select(o);
  EXPECT_FALSE(fs::exists(dir.file("p.csv")));
  EXPECT_FALSE(fs::exists(dir.file("p.manifest.json")));
  const std::vector<Index> lab = {3};
  Rng rng(7);
  const auto want = select::TypiClustSelector<>({.k_nn = 5}).select(x, 4, {.labelled = lab}, rng);
  EXPECT_EQ(r.selection.indices, want.indices);
  ASSERT_EQ(r.picks.rows.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r.picks.rows[i][0], id_of(want.indices[i]));
    EXPECT_EQ(r.picks.rows[i][1], "/d/" + id_of(want.indices[i]) + ".png");
  }
  EXPECT_EQ(r.strategy.at("name").as_string(), "typiclust");
  EXPECT_EQ(r.strategy.at("params").as_object().at("k_nn").as_int64(), 5);
  EXPECT_EQ(r.context.at("labelled").as_object().at("count").as_int64(), 1);

  std::ostringstream out;
  write(r, {"select", {}, {"coldstart", "select"}}, out);
  EXPECT_EQ(io::read_csv(dir.file("p.csv")).rows, r.picks.rows);
  EXPECT_TRUE(fs::exists(dir.file("p.manifest.json")));
  EXPECT_NE(out.str().find("(strategy typiclust, seed 7)"), std::string::npos) << out.str();
}

namespace {

/// A selector the library does not have, registered at run time: rows offset, offset + 1, ...
struct FirstRowsParams {
  Index offset = 0;  ///< first row picked
  void validate() const {
    COLDSTART_CHECK(offset >= 0, InvalidArgument, "offset ({}) must be >= 0", offset);
  }
  static constexpr auto fields() {
    return std::tuple{param("offset", &FirstRowsParams::offset, "first row picked")};
  }
};

struct FirstRows {
  using Params = FirstRowsParams;
  explicit FirstRows(Params p = {}) : p_(p) {}
  [[nodiscard]] select::Selection select(EmbeddingsView x, Index budget,
                                         const select::SelectionContext&, Rng&) const {
    select::Selection s;
    for (Index i = p_.offset; i < x.rows() && s.size() < budget; ++i) {
      s.indices.push_back(i);
      s.cluster.push_back(-1);
      s.distance.push_back(0.0f);
    }
    return s;
  }
  Params p_;
};

}  // namespace

TEST(CliLibrary, SelectorRegisteredAtRunTimeIsSelectableByName) {
  if (!registry::selectors().contains("test-first-rows"))
    registry::selectors().add(
        registry::selector_entry<FirstRows>("test-first-rows", "rows offset, offset + 1, ..."));
  TempDir dir;
  write_embeddings(dir, 12, 2, 2, 3);
  EXPECT_EQ(
      cli::run_select(select_args(dir, {"--strategy", "test-first-rows", "--param", "offset=2"})),
      0);
  const io::CsvTable t = io::read_csv(dir.file("p.csv"));
  ASSERT_EQ(t.rows.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(t.rows[i][0], id_of(static_cast<Index>(i) + 2));
  // Its parameter is checked like a built-in's: a bad value is a usage error (exit 2).
  EXPECT_EQ(
      cli::run_select(select_args(dir, {"--strategy", "test-first-rows", "--param", "offset=-1"})),
      2);
  EXPECT_EQ(cli::run_select(select_args(dir, {"--strategy", "no-such-strategy"})), 2);
  // The whole tool too, with the same exit codes.
  std::vector<std::string> argv_s = {"coldstart", "select", "--strategy", "test-first-rows"};
  for (const auto& a : select_args(dir, {})) argv_s.push_back(a);
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  EXPECT_EQ(cli::main(static_cast<int>(argv.size()), argv.data()), 0);
  EXPECT_EQ(io::read_csv(dir.file("p.csv")).rows.front()[0], "s00");
  EXPECT_EQ(cli::run_command("frobnicate", {}), 2);
}
