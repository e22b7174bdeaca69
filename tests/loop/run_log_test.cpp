// RunLog's metric records: bit-exact through a file (a resumed run must reproduce the
// uninterrupted one byte for byte).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <coldstart/loop/run_log.hpp>
#include <cstring>

#include "support/testing.hpp"

namespace coldstart::loop {
namespace {

using coldstart::testing::TempDir;

std::uint64_t bits(double v) {
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

TEST(RunLog, MetricsReadBackBitForBit) {
  // Doubles like the metrics (in [0, 1], 17 significant digits) and a few of any size.
  Rng rng(7);
  std::map<std::string, double> m;
  for (int i = 0; i < 4000; ++i)
    m["m" + std::to_string(i)] =
        i < 3000 ? random::uniform01(rng) : std::ldexp(random::uniform01(rng), i % 400 - 200);
  m["nan"] = std::nan("");
  m["inf"] = -INFINITY;
  boost::json::object o;
  put_metrics(o, m);
  const auto back = get_metrics(boost::json::parse(boost::json::serialize(o)).as_object(), "t");
  ASSERT_EQ(back.size(), m.size());
  for (const auto& [k, v] : m) EXPECT_EQ(bits(back.at(k)), bits(v)) << k;
  // Why the exact form exists: the decimal numbers alone do not all come back (Boost.JSON 1.81
  // is not correctly rounded). If a later Boost reads them all back, the exact form is merely
  // redundant; this count says which holds on this machine.
  boost::json::object plain = boost::json::parse(boost::json::serialize(o)).as_object();
  plain.erase("metrics_exact");
  const auto decimal = get_metrics(plain, "t");
  int off = 0;
  for (int i = 0; i < 4000; ++i)
    off += bits(decimal.at("m" + std::to_string(i))) != bits(m.at("m" + std::to_string(i)));
  RecordProperty("decimal_round_trip_mismatches", off);
}

TEST(RunLog, RoundRecordKeepsExactMetrics) {
  RoundRecord r{2, {"a", "b"}, 7, {{"auroc", 0.1 + 0.2}, {"f1", 2.0 / 3.0}}};
  const auto o = boost::json::parse(boost::json::serialize(to_json(r))).as_object();
  const RoundRecord back = round_from_json(o, "t");
  EXPECT_EQ(back.round, 2);
  EXPECT_EQ(back.selected, r.selected);
  EXPECT_EQ(back.labelled_total, 7);
  for (const auto& [k, v] : r.metrics) EXPECT_EQ(bits(back.metrics.at(k)), bits(v)) << k;
  EXPECT_DOUBLE_EQ(o.at("metrics").at("auroc").as_double(), 0.1 + 0.2);  // still readable
}

TEST(RunLog, NonFiniteMetricsKeepTheManifestReadable) {
  // Boost.JSON writes NaN as a token it cannot parse: one undefined metric used to make the
  // whole manifest unreadable, so the run could not resume.
  TempDir dir;
  const std::string path = dir.file("run.jsonl");
  {
    RunLog log(path, {{"dataset", "x"}});
    log.append({0, {"a"}, 1, {{"hd95", std::nan("")}, {"auroc", 0.5}}});
  }
  RunLog again(path, {{"dataset", "x"}});
  ASSERT_EQ(again.rounds().size(), 1u);
  EXPECT_TRUE(std::isnan(again.rounds()[0].metrics.at("hd95")));
  EXPECT_EQ(again.rounds()[0].metrics.at("auroc"), 0.5);
}

TEST(RunLog, MalformedExactMetricIsAnIoErrorNamingTheFile) {
  boost::json::object o{{"metrics_exact", {{"auroc", "0x1.8p-1zz"}}}};
  EXPECT_THROW_MSG((void)get_metrics(o, "run.jsonl"), IoError, "run.jsonl");
  o = {{"metrics_exact", {{"auroc", 0.5}}}};
  EXPECT_THROW_MSG((void)get_metrics(o, "run.jsonl"), IoError, "metric 'auroc' is not a string");
}

}  // namespace
}  // namespace coldstart::loop
