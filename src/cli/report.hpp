#pragma once
// `coldstart report`: results.csv -> markdown table (mean ± 95 % CI per strategy and budget) and
// SVG learning curves. parse_report -> ReportOptions -> report(...) -> ReportResult -> write(...).

#include <iosfwd>
#include <string>
#include <vector>

#include "cli.hpp"
#include "coldstart/report/results.hpp"
#include "options.hpp"

namespace coldstart::cli {

struct ReportOptions {
  std::string results;               ///< results CSV
  std::string plots_dir;             ///< SVG folder ("" = no plots)
  std::string md;                    ///< markdown file ("" = stdout only)
  std::vector<std::string> metrics;  ///< plot only these (empty = all)
};

struct ReportResult {
  ReportOptions options;
  std::vector<report::ResultRow> rows;
  std::string markdown;
};

/// The options of `coldstart report`, declared once.
[[nodiscard]] CommandSpec report_spec();
/// Throws UsageError.
[[nodiscard]] ReportOptions parse_report(const std::vector<std::string>& args);
/// Reads the results and renders the table. Writes nothing. IoError names the file.
[[nodiscard]] ReportResult report(const ReportOptions& o);
/// Writes --md, the SVG curves and the manifest; the table goes to `out`, what was written to
/// `log`.
void write(const ReportResult& r, const Invocation& inv, std::ostream& out, std::ostream& log);

}  // namespace coldstart::cli
