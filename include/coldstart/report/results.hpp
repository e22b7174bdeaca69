#pragma once
// Results of experiments: the long-format results table (one row per metric value), its summary
// (mean ± 95 % CI per strategy and budget, share of the random → all gap closed) as markdown, and
// learning curves as SVG.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coldstart/eval/statistics.hpp"

namespace coldstart::report {

using eval::summarise;
using eval::Summary;

/// One measured value. Columns of results.csv, in this order.
struct ResultRow {
  std::string dataset, task, strategy, encoder, learner;
  std::string phase;  ///< "initial" (cold-start picks only) or "active" (after AL rounds)
  long budget = 0;    ///< labels used
  long seed = 0;
  std::string metric;  ///< auroc, auprc, ap, f1, dice, hd, hd95
  double value = 0;
};

[[nodiscard]] std::vector<std::string> result_columns();
[[nodiscard]] std::vector<ResultRow> read_results(const std::string& csv_path);
void write_results(const std::string& csv_path, const std::vector<ResultRow>& rows);

/// Key of one summary cell.
struct CellKey {
  std::string dataset, task, metric, phase, strategy, encoder, learner;
  long budget = 0;
  auto operator<=>(const CellKey&) const = default;
};
[[nodiscard]] std::map<CellKey, Summary> summarise(const std::vector<ResultRow>& rows);

/// How a cell compares with random at the same budget: +1 significantly better, −1
/// significantly worse (Welch one-sided p < alpha in the metric's good / bad direction), 0
/// neither, nullopt when there is no random cell or no test is possible.
[[nodiscard]] std::optional<int> compare_with_random(const std::vector<ResultRow>& rows,
                                                     const CellKey& key, double alpha = 0.05);

/// Share of the random → all gap closed by a strategy's mean: (s − r) / (a − r). Rows of strategy
/// "random" give r (same dataset, task, metric, phase, budget, learner; any encoder), rows of
/// strategy "all" give a (any budget). nullopt when either is missing or a == r. For metrics
/// where lower is better (hd, hd95) the same formula still reads "1 = as good as all labels".
[[nodiscard]] std::optional<double> gap_closed(const std::map<CellKey, Summary>& cells,
                                               const CellKey& key);

/// Markdown report: per dataset/task/metric/phase a table with one row per strategy/encoder and
/// one column per budget ("mean ± ci (n)", followed by ▲ / ▼ where `compare_with_random` finds
/// the cell significantly better / worse than random), the `all` reference, and the gap-closed
/// share; then a list of every cell significantly worse than random.
[[nodiscard]] std::string markdown_report(const std::vector<ResultRow>& rows);

/// Learning curves, one SVG per (dataset, task, metric, phase): x = budget, y = mean, error bars
/// = 95 % CI, one line per strategy/encoder, `all` as a dashed horizontal line. Returns the
/// files written (named <dataset>_<task>_<metric>_<phase>.svg under `folder`).
std::vector<std::string> write_svg_curves(const std::vector<ResultRow>& rows,
                                          const std::string& folder,
                                          const std::vector<std::string>& metrics = {});

/// The SVG files write_svg_curves writes, as (path, content) pairs, without writing them (for
/// callers that write all their outputs as one transaction).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> svg_curve_files(
    const std::vector<ResultRow>& rows, const std::string& folder,
    const std::vector<std::string>& metrics = {});

/// One SVG of the curves of one (dataset, task, metric, phase), as text.
[[nodiscard]] std::string svg_curves(const std::vector<ResultRow>& rows, const std::string& dataset,
                                     const std::string& task, const std::string& metric,
                                     const std::string& phase);

}  // namespace coldstart::report
