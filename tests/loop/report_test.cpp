#include <coldstart/io/file.hpp>
#include <coldstart/loop/report.hpp>

#include "support/testing.hpp"

namespace coldstart::loop {
namespace {

ResultRow row(const std::string& strategy, long budget, long seed, double v,
              const std::string& phase = "initial") {
  return {"busi", "classification", strategy, "enc", "probe", phase, budget, seed, "auroc", v};
}

TEST(Report, SummaryMeanSdAndStudentCi) {
  const Summary s = summarise(std::vector<double>{1.0, 2.0, 3.0, 4.0});
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.sd, std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_NEAR(s.ci95, 3.182 * std::sqrt(5.0 / 3.0) / 2.0, 1e-12);  // t(0.975, 3) = 3.182
  EXPECT_EQ(summarise(std::vector<double>{7.0}).ci95, 0.0);
  EXPECT_DOUBLE_EQ(t_quantile_975(1000), 1.96);
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
}  // namespace coldstart::loop
