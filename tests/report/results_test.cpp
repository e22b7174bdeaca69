#include <coldstart/io/file.hpp>
#include <coldstart/report/results.hpp>

#include "support/testing.hpp"

namespace coldstart::report {
using namespace coldstart::eval;
namespace {

ResultRow row(const std::string& strategy, long budget, long seed, double v,
              const std::string& phase = "initial") {
  return {"busi", "classification", strategy, "enc", "probe", phase, budget, seed, "auroc", v};
}

TEST(Report, SummaryMeanSdAndStudentCi) {
  const Summary s = summarise(std::vector<double>{1.0, 2.0, 3.0, 4.0});
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.sd, std::sqrt(5.0 / 3.0), 1e-12);
  // t(0.975, 3) = 3.1824463 (scipy.stats.t.ppf(0.975, 3)).
  EXPECT_NEAR(s.ci95, 3.1824463 * std::sqrt(5.0 / 3.0) / 2.0, 1e-6);
  EXPECT_EQ(summarise(std::vector<double>{7.0}).ci95, 0.0);
  EXPECT_NEAR(t_quantile_975(1000), 1.9623391, 1e-6);
  EXPECT_EQ(t_quantile_975(0), 0.0);
}

TEST(Report, WelchTestMatchesScipy) {
  // Reference: scipy.stats.ttest_ind(a, b, equal_var=False) (scipy 1.17.1):
  // t = 2.610781815690701, df = 4.374398176943288, two-sided p = 0.054292388747675745.
  const std::vector<double> a = {0.61, 0.65, 0.58};
  const std::vector<double> b = {0.5, 0.52, 0.55, 0.6, 0.48, 0.57, 0.62, 0.51, 0.54, 0.59};
  const auto w = welch_t_test(a, b);
  ASSERT_TRUE(w.has_value());
  EXPECT_NEAR(w->t, 2.610781815690701, 1e-12);
  EXPECT_NEAR(w->df, 4.374398176943288, 1e-12);
  EXPECT_NEAR(w->p_greater, 0.054292388747675745 / 2, 1e-10);
  EXPECT_NEAR(w->p_less, 1 - 0.054292388747675745 / 2, 1e-10);
  // Swapping the groups swaps the sides.
  EXPECT_NEAR(welch_t_test(b, a)->p_less, w->p_greater, 1e-12);
  // No test without two values on each side or without any variance.
  EXPECT_FALSE(welch_t_test({0.5}, b).has_value());
  EXPECT_FALSE(welch_t_test({0.5, 0.5}, {0.4, 0.4, 0.4}).has_value());
}

TEST(Report, MarksCellsSignificantlyWorseThanRandom) {
  std::vector<ResultRow> rows;
  for (int s = 0; s < 10; ++s) rows.push_back(row("random", 20, s, 0.60 + 0.01 * (s % 3)));
  for (int s = 0; s < 3; ++s) {
    rows.push_back(row("probcover", 20, s, 0.40 + 0.01 * s));     // far below random
    rows.push_back(row("kmeans-paper", 20, s, 0.59 + 0.02 * s));  // inside random's spread
    rows.push_back(row("typiclust", 20, s, 0.80 + 0.01 * s));     // far above
  }
  auto key = [](const std::string& strategy) {
    return CellKey{"busi", "classification", "auroc", "initial", strategy, "enc", "probe", 20};
  };
  EXPECT_EQ(compare_with_random(rows, key("probcover")), -1);
  EXPECT_EQ(compare_with_random(rows, key("kmeans-paper")), 0);
  EXPECT_EQ(compare_with_random(rows, key("typiclust")), 1);
  EXPECT_FALSE(compare_with_random(rows, key("random")).has_value());
  // For a distance (lower is better) the same numbers flip meaning.
  for (auto& r : rows) r.metric = "hd95";
  auto hd = key("probcover");
  hd.metric = "hd95";
  EXPECT_EQ(compare_with_random(rows, hd), 1);
  for (auto& r : rows) r.metric = "auroc";
  const std::string md = markdown_report(rows);
  EXPECT_NE(md.find("0.410 ± 0.025 (3) ▼"), std::string::npos) << md;
  EXPECT_NE(md.find("▲"), std::string::npos) << md;
  EXPECT_NE(md.find("- busi · classification · auroc · initial · probcover (enc) at 20: 0.410 vs "
                    "random 0.609"),
            std::string::npos)
      << md;
}

TEST(Report, CsvRoundTripAndBadFile) {
  coldstart::testing::TempDir dir;
  std::vector<ResultRow> rows = {row("random", 20, 0, 0.61), row("kmeans-paper", 20, 1, 0.7)};
  write_results(dir.file("r.csv"), rows);
  const auto back = read_results(dir.file("r.csv"));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].strategy, "kmeans-paper");
  EXPECT_DOUBLE_EQ(back[0].value, 0.61);
  coldstart::testing::write_text(dir.file("bad.csv"), "dataset,task\nx,y\n");
  EXPECT_THROW_MSG((void)read_results(dir.file("bad.csv")), IoError, "missing column 'strategy'");
}

TEST(Report, GapClosedAgainstRandomAndAll) {
  std::vector<ResultRow> rows = {row("random", 20, 0, 0.6), row("random", 20, 1, 0.6),
                                 row("kmeans-paper", 20, 0, 0.7), row("all", 500, 0, 0.8)};
  const auto cells = summarise(rows);
  const CellKey key{"busi", "classification", "auroc", "initial", "kmeans-paper",
                    "enc",  "probe",          20};
  ASSERT_TRUE(gap_closed(cells, key).has_value());
  EXPECT_NEAR(*gap_closed(cells, key), 0.5, 1e-12);
  const std::string md = markdown_report(rows);
  EXPECT_NE(md.find("| kmeans-paper | enc | probe | 0.700 ± 0.000 (1) | 50 % |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("`all` (probe, 500 labels): 0.800"), std::string::npos) << md;
}

TEST(Report, SvgHasOneLinePerSeries) {
  coldstart::testing::TempDir dir;
  std::vector<ResultRow> rows = {row("random", 20, 0, 0.6), row("random", 40, 0, 0.65),
                                 row("kmedoids", 20, 0, 0.7), row("kmedoids", 40, 0, 0.72),
                                 row("all", 500, 0, 0.8)};
  const auto files = write_svg_curves(rows, dir.path().string());
  ASSERT_EQ(files.size(), 1u);
  const std::string svg = io::read_file(files[0]);
  std::size_t lines = 0;
  for (std::size_t p = svg.find("<polyline"); p != std::string::npos;
       p = svg.find("<polyline", p + 1))
    ++lines;
  EXPECT_EQ(lines, 2u);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);  // the `all` reference
  EXPECT_THROW_MSG((void)svg_curves(rows, "jsrt", "segmentation", "dice", "initial"),
                   InvalidArgument, "no results for jsrt");
}

}  // namespace
}  // namespace coldstart::report
