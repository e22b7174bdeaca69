// Unit tests of the CLI's plumbing, in process: options declared once (CommandSpec), `--param`
// text against an entry's declared parameters, the one id-table reader, and the parse step of
// `embed` and `report`.
#include <sstream>

#include "cli/embed.hpp"
#include "cli/options.hpp"
#include "cli/registry_options.hpp"
#include "cli/report.hpp"
#include "support/testing.hpp"

using namespace coldstart;
using namespace coldstart::cli;
using coldstart::testing::TempDir;

namespace {

CommandSpec toy_spec() {
  CommandSpec spec("toy", "--n N [--name NAME]");
  spec.value<Index>("n", "how many (> 0)", {.check = positive<Index>(), .required = true})
      .value<std::string>("name", "a or b", {.def = "a", .check = one_of({"a", "b"})})
      .list("tag", "repeatable")
      .flag("loud", "a switch");
  return spec;
}

}  // namespace

TEST(CommandSpec, ParsesValuesDefaultsListsAndFlags) {
  const Args a = toy_spec().parse({"--n", "3", "--tag", "x", "--tag", "y", "--loud"});
  EXPECT_EQ(a.get<Index>("n"), 3);
  EXPECT_EQ(a.get<std::string>("name"), "a");
  EXPECT_FALSE(a.given("name"));
  EXPECT_TRUE(a.given("n"));
  EXPECT_EQ(a.list("tag"), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(a.get<bool>("loud"));
  EXPECT_EQ(toy_spec().parse({"--n", "1"}).list("tag"), std::vector<std::string>{});
}

TEST(CommandSpec, RequiredChecksAndMalformedOptionsAreUsageErrors) {
  EXPECT_THROW_MSG((void)toy_spec().parse({}), UsageError, "--n is required");
  EXPECT_THROW_MSG((void)toy_spec().parse({"--n", "0"}), UsageError,
                   "--n must be positive (got 0)");
  EXPECT_THROW_MSG((void)toy_spec().parse({"--n", "2", "--name", "c"}), UsageError,
                   "--name must be a or b (got 'c')");
  EXPECT_THROW_MSG((void)toy_spec().parse({"--n", "two"}), UsageError, "--n");
  EXPECT_THROW_MSG((void)toy_spec().parse({"--n", "2", "--bogus"}), UsageError, "bogus");
  // The default is not checked, only given values.
  CommandSpec lax("lax", "");
  lax.value<int>("k", "k", {.def = 0, .check = positive<int>()});
  EXPECT_EQ(lax.parse({}).get<int>("k"), 0);
}

TEST(CommandSpec, HelpComesFromTheSameDeclarations) {
  std::ostringstream out;
  EXPECT_FALSE(toy_spec().help_requested({"--n", "2"}, out));
  EXPECT_TRUE(out.str().empty());
  EXPECT_TRUE(toy_spec().help_requested({"--n", "2", "-h"}, out));
  EXPECT_NE(out.str().find("usage: coldstart toy --n N"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("how many (> 0)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("--loud"), std::string::npos) << out.str();
}

TEST(CliParams, ParsedAgainstTheDeclaredParameters) {
  const auto& declared = registry::selectors().at("probcover").params;
  const auto p = params_from_text(declared, {"k_nn=30", "alpha=0.9"}, "selector 'probcover'");
  EXPECT_EQ(p.at("k_nn").as_int64(), 30);
  EXPECT_DOUBLE_EQ(p.at("alpha").as_double(), 0.9);
  EXPECT_THROW_MSG((void)params_from_text(declared, {"radius=2"}, "selector 'probcover'"),
                   UsageError, "selector 'probcover' has no parameter 'radius' (expected alpha");
  EXPECT_THROW_MSG((void)params_from_text(declared, {"k_nn=many"}, "selector 'probcover'"),
                   UsageError, "parameter 'k_nn' expects int, got 'many'");
  EXPECT_THROW_MSG((void)params_from_text(declared, {"k_nn"}, "x"), UsageError,
                   "--param takes NAME=VALUE (got 'k_nn')");
  EXPECT_THROW_MSG((void)params_from_text(declared, {"k_nn=3", "k_nn=4"}, "x"), UsageError,
                   "'k_nn' is given twice");
  // A selector without parameters names none.
  EXPECT_THROW_MSG(
      (void)params_from_text(registry::selectors().at("kcenter").params, {"k=1"}, "kcenter"),
      UsageError, "(expected none)");
}

TEST(CliParams, RegistryMessagesBecomeUsageErrors) {
  EXPECT_THROW_MSG((void)make_selector("best", {}), UsageError,
                   "unknown selector 'best' (expected kmeans-paper");
  EXPECT_THROW_MSG((void)make_selector("probcover", {{"alpha", 2.0}}), UsageError, "alpha");
  EXPECT_THROW_MSG((void)make_acquisition("coinflip", {}), UsageError,
                   "unknown acquisition function 'coinflip'");
  EXPECT_EQ(make_acquisition("threshold", {{"positive_class", 0}})
                .params()
                .at("positive_class")
                .as_int64(),
            0);
  EXPECT_THROW_MSG((void)encoder_params("resnet"), UsageError,
                   "--encoder: unknown encoder 'resnet' (expected pixels");
  EXPECT_TRUE(declares(encoder_params("pixels"), "size"));
  EXPECT_TRUE(declares(encoder_params("model.pt"), "preset"));
}

TEST(CliIdTable, OneReaderForIdsPathsAndLabels) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("ids.csv"), "id,path,label\na,/x/a.png,1\nb,,0\n");
  const IdTable t = read_id_table(dir.file("ids.csv"));
  EXPECT_EQ(t.source, dir.file("ids.csv"));
  EXPECT_EQ(t.ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.paths, (std::vector<std::string>{"/x/a.png", ""}));
  EXPECT_EQ(t.labels, (std::vector<std::string>{"1", "0"}));
  EXPECT_TRUE(t.has_paths && t.has_labels);
  EXPECT_NO_THROW(check_id_count(t, 2, "2×4 matrix"));
  EXPECT_THROW_MSG(check_id_count(t, 3, "3×4 matrix in 'e.npy'"), IoError,
                   "2 ids for the 3×4 matrix in 'e.npy'");
  EXPECT_EQ(rows_in_pool(t, {"z", "b", "a"}), (std::vector<Index>{2, 1}));
  EXPECT_THROW_MSG((void)rows_in_pool(t, {"a"}), IoError,
                   "id 'b' on data row 2 is not in the pool");

  coldstart::testing::write_text(dir.file("dup.csv"), "id\na\na\n");
  EXPECT_THROW_MSG((void)read_id_table(dir.file("dup.csv")), IoError,
                   "id 'a' is listed twice (data row 2)");
  coldstart::testing::write_text(dir.file("empty.csv"), "id,x\n,1\n");
  EXPECT_THROW_MSG((void)read_id_table(dir.file("empty.csv")), IoError, "empty id on data row 1");
  coldstart::testing::write_text(dir.file("noid.csv"), "name\na\n");
  EXPECT_THROW_MSG((void)read_id_table(dir.file("noid.csv")), IoError, "noid.csv");
}

TEST(CliEmbedParse, EncoderParamsAndOutput) {
  TempDir dir;
  const std::vector<std::string> base = {"--images", dir.path().string(), "--encoder", "pixels"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return parse_embed(a);
  };
  const EmbedOptions o = with({"--out", dir.file("e.npy"), "--param", "size=8", "--chunk", "5"});
  EXPECT_EQ(o.run.encoder, "pixels");
  EXPECT_EQ(o.run.encoder_params.at("size").as_int64(), 8);
  EXPECT_EQ(o.run.chunk, 5);
  EXPECT_EQ(o.run.progress, Progress::Mode::kAuto);
  EXPECT_THROW_MSG((void)with({"--out", dir.file("e.csv")}), UsageError,
                   "--out must end in .npy or .shards.json (got '");
  EXPECT_THROW_MSG((void)with({"--out", dir.file("e.npy"), "--param", "side=8"}), UsageError,
                   "encoder 'pixels' has no parameter 'side' (expected size)");
  EXPECT_THROW_MSG((void)with({"--out", dir.file("e.npy"), "--chunk", "0"}), UsageError,
                   "--chunk must be at least 1");
  EXPECT_THROW_MSG((void)with({"--out", dir.file("e.npy"), "--cache", "c", "--no-cache"}),
                   UsageError, "--cache and --no-cache exclude each other");
  EXPECT_THROW_MSG((void)with({}), UsageError, "--out is required");
}

TEST(CliReportParse, PlotsDefaultToTheResultsFolder) {
  ReportOptions o = parse_report({"some/dir/results.csv"});
  EXPECT_EQ(o.results, "some/dir/results.csv");
  EXPECT_EQ(o.plots_dir, "some/dir");
  o = parse_report({"results.csv", "--no-plots", "--metric", "auprc"});
  EXPECT_TRUE(o.plots_dir.empty());
  EXPECT_EQ(o.metrics, std::vector<std::string>{"auprc"});
  EXPECT_THROW_MSG((void)parse_report({"r.csv", "--plots", "p", "--no-plots"}), UsageError,
                   "--plots and --no-plots exclude each other");
  EXPECT_THROW_MSG((void)parse_report({}), UsageError, "--results is required");
}
