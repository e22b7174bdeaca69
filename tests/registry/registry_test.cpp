// The registry: entries are complete and consistent, parameters round-trip through JSON and the
// command-line text, user code can register its own strategy, and the docs show the registry.

#include <coldstart/registry/registry.hpp>
#include <coldstart/select/random.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "support/testing.hpp"

namespace coldstart::registry {
namespace {

template <class R>
void expect_complete(const R& r) {
  std::set<std::string> names;
  for (const auto& e : r.entries()) {
    EXPECT_TRUE(names.insert(e.name).second) << e.name;
    EXPECT_FALSE(e.description.empty()) << e.name;
    // Built with no overrides, a part reports exactly its declared defaults.
    const auto part = e.make({}, {});
    boost::json::object defaults;
    for (const auto& p : e.params) defaults[p.name] = p.default_value;
    EXPECT_EQ(part.params(), defaults) << e.name;
    EXPECT_EQ(part.describe().at("name").as_string(), e.name);
  }
  EXPECT_GE(names.size(), 7u);
}

TEST(Registry, EveryEntryIsCompleteAndReportsItsDefaults) {
  expect_complete(selectors());
  expect_complete(acquisitions());
}

TEST(Registry, OverridesReachThePartAndItsManifest) {
  const AnySelector s = selectors().make("probcover", {{"alpha", 0.5}, {"k_nn", 7}});
  EXPECT_EQ(s.params().at("alpha").as_double(), 0.5);
  EXPECT_EQ(s.params().at("k_nn").as_int64(), 7);
  EXPECT_EQ(s.params().at("n_pseudo_classes").as_int64(), 10);  // untouched default
}

TEST(Registry, BadParametersAreRefusedWithTheirName) {
  EXPECT_THROW_MSG((void)selectors().make("typiclust", {{"radius", 3}}), InvalidArgument,
                   "selector 'typiclust': unknown parameter 'radius' (expected max_clusters, "
                   "min_cluster_size, k_nn, knn, ann_min_rows)");
  EXPECT_THROW_MSG((void)selectors().make("typiclust", {{"knn", 3}}), InvalidArgument,
                   "selector 'typiclust': parameter 'knn' expects string, got 3");
  EXPECT_THROW_MSG((void)selectors().make("probcover", {{"knn", "fast"}}), InvalidArgument,
                   "knn ('fast') must be auto, exact or ann");
  EXPECT_THROW_MSG((void)selectors().make("typiclust", {{"k_nn", 2.5}}), InvalidArgument,
                   "parameter 'k_nn' expects int");
  EXPECT_THROW_MSG((void)selectors().make("probcover", {{"alpha", 2.0}}), InvalidArgument,
                   "alpha (2) must be in (0, 1]");
  EXPECT_THROW_MSG((void)selectors().make("random", {{"seed", 1}}), InvalidArgument,
                   "unknown parameter 'seed' (expected none)");
  EXPECT_THROW_MSG((void)acquisitions().make("top-pixel-entropy", {{"q_percent", true}}),
                   InvalidArgument, "expects float, got true");
}

TEST(Registry, UnknownNamesListTheKnownOnes) {
  EXPECT_THROW_MSG((void)selectors().at("kmeans"), InvalidArgument,
                   "unknown selector 'kmeans' (expected kmeans-paper, kmeans-centroid");
  EXPECT_THROW_MSG((void)acquisitions().at("entropyy"), InvalidArgument,
                   "unknown acquisition function 'entropyy' (expected entropy, margin");
}

TEST(Registry, ParsesCommandLineText) {
  const ParamInfo i{"k", "int", "", 0}, u{"s", "uint", "", 0u}, f{"a", "float", "", 0.0},
      b{"z", "bool", "", false};
  EXPECT_EQ(parse_param_text(i, "-3", "t").as_int64(), -3);
  EXPECT_EQ(parse_param_text(u, "18446744073709551615", "t").as_uint64(), 18446744073709551615ull);
  EXPECT_EQ(parse_param_text(f, "0.25", "t").as_double(), 0.25);
  EXPECT_TRUE(parse_param_text(b, "true", "t").as_bool());
  EXPECT_THROW_MSG((void)parse_param_text(i, "3x", "t"), InvalidArgument,
                   "t: parameter 'k' expects int, got '3x'");
  EXPECT_THROW_MSG((void)parse_param_text(u, "-1", "t"), InvalidArgument, "expects uint");
  EXPECT_THROW_MSG((void)parse_param_text(f, "", "t"), InvalidArgument, "expects float");
  EXPECT_THROW_MSG((void)parse_param_text(b, "yes", "t"), InvalidArgument, "expects bool");
}

// A strategy the library does not contain, registered from "user code" at run time.
struct EveryOtherRow {
  using Params = select::RandomSelectorParams;
  explicit EveryOtherRow(Params = {}) {}
  [[nodiscard]] select::Selection select(EmbeddingsView x, Index budget,
                                         const select::SelectionContext&, Rng&) const {
    select::Selection s;
    for (Index i = 0; i < budget && 2 * i < x.rows(); ++i) {
      s.indices.push_back(2 * i);
      s.cluster.push_back(-1);
      s.distance.push_back(0.0f);
    }
    return s;
  }
};

TEST(Registry, UserCodeRegistersAStrategyAndUsesItByName) {
  if (!selectors().contains("test-every-other-row"))
    selectors().add(selector_entry<EveryOtherRow>("test-every-other-row", "rows 0, 2, 4, ..."));
  const AnySelector s = selectors().make("test-every-other-row");
  Rng rng(1);
  EXPECT_EQ(s.select(RowMatrixXf::Zero(10, 2), 3, {}, rng).indices, (std::vector<Index>{0, 2, 4}));
  EXPECT_THROW_MSG(selectors().add(selector_entry<EveryOtherRow>("test-every-other-row", "x")),
                   InvalidArgument, "the name 'test-every-other-row' is already registered");
  EXPECT_THROW_MSG(selectors().add({"", "no name", Input::kEmbeddings, {}, {}}), InvalidArgument,
                   "needs a name and a factory");
}

// docs/selectors.md holds the registry's own tables between markers; regenerate them with
// `coldstart strategies --markdown` when this fails.
std::string docs_block(const std::string& text, const std::string& marker) {
  const std::string open = "<!-- registry:" + marker + " -->\n", close = "<!-- /registry -->";
  const auto a = text.find(open);
  if (a == std::string::npos) return "(no " + open + " marker)";
  const auto b = text.find(close, a);
  return text.substr(a + open.size(),
                     b == std::string::npos ? std::string::npos : b - a - open.size());
}

TEST(Registry, DocsTablesAreTheRegistry) {
  std::ifstream in(std::string(COLDSTART_SOURCE_DIR) + "/docs/selectors.md");
  ASSERT_TRUE(in) << "docs/selectors.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  // Only the built-ins: a test that registers its own entry may have run first.
  SelectorRegistry builtin_sel("selector");
  for (const auto& e : selectors().entries())
    if (e.name.rfind("test-", 0) != 0) builtin_sel.add(e);
  EXPECT_EQ(docs_block(ss.str(), "selectors"), markdown_table(builtin_sel));
  EXPECT_EQ(docs_block(ss.str(), "acquisitions"), markdown_table(acquisitions()));
}

}  // namespace
}  // namespace coldstart::registry
