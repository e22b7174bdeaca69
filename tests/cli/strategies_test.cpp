// `coldstart strategies` and the registry-derived parts of `run`, in process: the listing names
// every registered part, --markdown is exactly the docs tables, and `run`'s options take their
// choices (and their cache default) from the library.
#include <coldstart/io/file.hpp>
#include <coldstart/registry/encoders.hpp>
#include <coldstart/registry/learners.hpp>
#include <sstream>

#include "cli/run.hpp"
#include "cli/strategies.hpp"
#include "support/testing.hpp"

using namespace coldstart;
using namespace coldstart::cli;

TEST(CliStrategies, ListsEveryRegisteredPartWithItsParameters) {
  const std::string text = strategies(parse_strategies({}));
  auto has = [&](const std::string& s) { return text.find(s) != std::string::npos; };
  for (const auto& n : registry::selectors().names()) EXPECT_TRUE(has("  " + n + "  ")) << n;
  for (const auto& n : registry::acquisitions().names()) EXPECT_TRUE(has("  " + n + "  ")) << n;
  for (const auto& n : registry::encoders().names()) EXPECT_TRUE(has("  " + n + "  ")) << n;
  for (const auto& n : registry::learners().names()) EXPECT_TRUE(has("  " + n + "  ")) << n;
  EXPECT_TRUE(has(registry::selectors().at("typiclust").description));
  EXPECT_TRUE(has("      k_nn=20  (int) neighbours")) << text;
  EXPECT_TRUE(has("      alpha=0.95  (float)")) << text;
  EXPECT_TRUE(has("(reads MC-dropout probabilities)")) << text;
  EXPECT_THROW_MSG((void)parse_strategies({"--bogus"}), UsageError, "bogus");
}

TEST(CliStrategies, MarkdownIsTheRegistrysTables) {
  const std::string md = strategies(parse_strategies({"--markdown"}));
  const std::string want =
      "<!-- registry:selectors -->\n" + registry::markdown_table(registry::selectors()) +
      "<!-- /registry -->\n\n<!-- registry:acquisitions -->\n" +
      registry::markdown_table(registry::acquisitions()) + "<!-- /registry -->\n";
  EXPECT_EQ(md, want);
}

TEST(CliRunParse, ChoicesComeFromTheRegistries) {
  const std::vector<std::string> base = {"--data", "somewhere"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return parse_run(a);
  };
  EXPECT_THROW_MSG((void)with({"--strategies", "random,oracle"}), UsageError,
                   "--strategies: unknown selector 'oracle' (expected kmeans-paper");
  EXPECT_THROW_MSG((void)with({"--encoders", "pixels,resnet"}), UsageError,
                   "--encoders: unknown encoder 'resnet'");
  EXPECT_THROW_MSG((void)with({"--acquisition", "oracle"}), UsageError,
                   "unknown acquisition function 'oracle'");
  EXPECT_THROW_MSG((void)with({"--classifier", "svm"}), UsageError, "unknown learner 'svm'");
  EXPECT_THROW_MSG((void)with({"--learner", "svm"}), UsageError,
                   "--learner: unknown learner 'svm'");
  // --learner is the option; --classifier (its older name) and --classifier=V still set it.
  EXPECT_EQ(with({}).config.classifier, experiment::kDefaultLearner);
  EXPECT_EQ(with({"--learner", "label-spreading"}).config.classifier, "label-spreading");
  EXPECT_EQ(with({"--classifier", "mlp"}).config.classifier, "mlp");
  EXPECT_EQ(with({"--classifier=mlp"}).config.classifier, "mlp");
  EXPECT_THROW_MSG((void)with({"--budgets", "20,x"}), UsageError,
                   "--budgets takes positive integers (got 'x')");
  EXPECT_THROW_MSG((void)with({"--task", "detection"}), UsageError,
                   "--task must be classification or segmentation (got 'detection')");
  // Registered but not run by the experiment: ExperimentConfig::validate still refuses it.
  EXPECT_THROW((void)with({"--seg-acquisition", "entropy"}), UsageError);

  const RunOptions o = with({"--task", "classification,segmentation", "--strategies",
                             "random,kcenter", "--budgets", "10,20", "--quick"});
  EXPECT_EQ(o.config.tasks, std::vector<std::string>{"classification"});
  EXPECT_TRUE(o.all_mask_sets);
  EXPECT_EQ(o.config.strategies, (std::vector<std::string>{"random", "kcenter"}));
  EXPECT_EQ(o.config.budgets, (std::vector<Index>{10, 20}));
  EXPECT_EQ(o.config.random_draws, 3);  // --quick
  EXPECT_TRUE(o.config.cache_dir.empty());
}

// Segmentation runs the default strategy by default (the headline needs it), in both phases;
// --seg-active-strategies chooses the active phase's strategies among --seg-strategies.
TEST(CliRunParse, SegmentationActiveStrategies) {
  const auto with = [](std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--data", "somewhere", "--task", "segmentation"});
    return parse_run(extra).config.segmentation;
  };
  const auto def = with({});
  EXPECT_EQ(def.strategies,
            (std::vector<std::string>{"random", "kmeans-paper", registry::kDefaultSelector}));
  EXPECT_EQ(def.active_strategies,
            (std::vector<std::string>{"random", "kmeans-paper:efficientnet-lite0",
                                      registry::kDefaultSelector}));
  EXPECT_EQ(with({"--seg-strategies", "random,typiclust", "--seg-active-strategies",
                  "typiclust:efficientnet-lite0,random"})
                .active_strategies,
            (std::vector<std::string>{"typiclust:efficientnet-lite0", "random"}));
  EXPECT_THROW_MSG((void)with({"--seg-strategies", "random,typiclust", "--seg-active-strategies",
                               "random,kcenter"}),
                   UsageError, "--seg-active-strategies: 'kcenter' is not among --seg-strategies");
  EXPECT_THROW_MSG((void)with({"--seg-active-strategies", "random,nope:pixels"}), UsageError,
                   "--seg-active-strategies: 'nope:pixels' is not among --seg-strategies");
}

TEST(CliRunParse, HelpNamesTheUserCacheFolder) {
  std::ostringstream help;
  run_spec().print_help(help);
  EXPECT_NE(help.str().find(io::default_cache_dir("embeddings")), std::string::npos) << help.str();
  EXPECT_EQ(help.str().find("<out>/cache"), std::string::npos) << help.str();
}
