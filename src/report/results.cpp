#include "coldstart/report/results.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <set>
#include <sstream>

#include "coldstart/error.hpp"
#include "coldstart/io/csv.hpp"
#include "coldstart/io/file.hpp"

namespace coldstart::report {

using eval::higher_is_better;
using eval::t_quantile_975;
using eval::welch_t_test;

std::vector<std::string> result_columns() {
  return {"dataset", "task",   "strategy", "encoder", "learner",
          "phase",   "budget", "seed",     "metric",  "value"};
}

std::vector<ResultRow> read_results(const std::string& csv_path) {
  const io::CsvTable t = io::read_csv(csv_path);
  std::vector<std::size_t> c;
  for (const auto& name : result_columns()) c.push_back(t.require_column(name, csv_path));
  std::vector<ResultRow> rows;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& f = t.rows[r];
    ResultRow row{f[c[0]], f[c[1]], f[c[2]], f[c[3]], f[c[4]], f[c[5]], 0, 0, f[c[8]], 0};
    try {
      row.budget = std::stol(f[c[6]]);
      row.seed = std::stol(f[c[7]]);
      row.value = std::stod(f[c[9]]);
    } catch (const std::exception&) {
      COLDSTART_IO_CHECK(false, csv_path, "row {}: budget, seed or value is not a number", r + 2);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void write_results(const std::string& csv_path, const std::vector<ResultRow>& rows) {
  io::CsvTable t{result_columns(), {}};
  for (const auto& r : rows) {
    std::ostringstream v;
    v << std::setprecision(10) << r.value;
    t.rows.push_back({r.dataset, r.task, r.strategy, r.encoder, r.learner, r.phase,
                      std::to_string(r.budget), std::to_string(r.seed), r.metric, v.str()});
  }
  io::write_csv(csv_path, t);
}

namespace {
/// The values of every cell, for tests that need more than the summary.
std::map<CellKey, std::vector<double>> cell_values(const std::vector<ResultRow>& rows) {
  std::map<CellKey, std::vector<double>> groups;
  for (const auto& r : rows)
    groups[{r.dataset, r.task, r.metric, r.phase, r.strategy, r.encoder, r.learner, r.budget}]
        .push_back(r.value);
  return groups;
}

std::map<CellKey, Summary> summarise_cells(const std::map<CellKey, std::vector<double>>& values) {
  std::map<CellKey, Summary> out;
  for (const auto& [k, v] : values) out[k] = summarise(v);
  return out;
}
}  // namespace

std::map<CellKey, Summary> summarise(const std::vector<ResultRow>& rows) {
  return summarise_cells(cell_values(rows));
}

namespace {

std::optional<Summary> find_reference(const std::map<CellKey, Summary>& cells, const CellKey& key,
                                      const std::string& strategy, bool any_budget) {
  for (const auto& [k, s] : cells)
    if (k.strategy == strategy && k.dataset == key.dataset && k.task == key.task &&
        k.metric == key.metric && k.learner == key.learner &&
        (any_budget || (k.budget == key.budget && k.phase == key.phase)))
      return s;
  return std::nullopt;
}

std::string fmt(double v, int digits = 3) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << v;
  return o.str();
}

/// The random strategy's values for the same dataset, task, metric, phase, learner and budget
/// (random ignores the encoder); null when there are none.
const std::vector<double>* random_values(const std::map<CellKey, std::vector<double>>& values,
                                         const CellKey& key) {
  for (const auto& [k, v] : values)
    if (k.strategy == "random" && k.dataset == key.dataset && k.task == key.task &&
        k.metric == key.metric && k.learner == key.learner && k.budget == key.budget &&
        k.phase == key.phase)
      return &v;
  return nullptr;
}

std::optional<int> compare_cell(const std::map<CellKey, std::vector<double>>& values,
                                const CellKey& key, double alpha) {
  const auto it = values.find(key);
  if (it == values.end() || key.strategy == "random" || key.strategy == "all") return std::nullopt;
  const auto* random = random_values(values, key);
  if (random == nullptr) return std::nullopt;
  const auto w = welch_t_test(it->second, *random);
  if (!w) return std::nullopt;
  const bool up = higher_is_better(key.metric);
  if ((up ? w->p_greater : w->p_less) < alpha) return 1;
  if ((up ? w->p_less : w->p_greater) < alpha) return -1;
  return 0;
}

}  // namespace

std::optional<int> compare_with_random(const std::vector<ResultRow>& rows, const CellKey& key,
                                       double alpha) {
  return compare_cell(cell_values(rows), key, alpha);
}

std::optional<double> gap_closed(const std::map<CellKey, Summary>& cells, const CellKey& key) {
  const auto it = cells.find(key);
  if (it == cells.end()) return std::nullopt;
  const auto random = find_reference(cells, key, "random", false);
  const auto all = find_reference(cells, key, "all", true);
  if (!random || !all || std::abs(all->mean - random->mean) < 1e-12) return std::nullopt;
  return (it->second.mean - random->mean) / (all->mean - random->mean);
}

std::string markdown_report(const std::vector<ResultRow>& rows) {
  const auto values = cell_values(rows);
  const auto cells = summarise_cells(values);
  std::vector<std::pair<CellKey, Summary>> worse;
  struct Table {
    std::set<long> budgets;
    std::set<std::tuple<std::string, std::string, std::string>> series;  // strategy, enc, learner
  };
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Table> tables;
  for (const auto& [k, s] : cells) {
    if (k.strategy == "all") continue;
    auto& t = tables[{k.dataset, k.task, k.metric, k.phase}];
    t.budgets.insert(k.budget);
    t.series.insert({k.strategy, k.encoder, k.learner});
  }
  std::ostringstream out;
  for (const auto& [tk, t] : tables) {
    const auto& [dataset, task, metric, phase] = tk;
    out << "### " << dataset << " · " << task << " · " << metric << " · " << phase << "\n\n";
    out << "| strategy | encoder | learner |";
    for (long b : t.budgets) out << " " << b << " |";
    out << " gap closed (last budget) |\n|---|---|---|";
    for (std::size_t i = 0; i <= t.budgets.size(); ++i) out << "---|";
    out << "\n";
    for (const auto& [strategy, encoder, learner] : t.series) {
      out << "| " << strategy << " | " << encoder << " | " << learner << " |";
      std::optional<double> last_gap;
      for (long b : t.budgets) {
        const CellKey key{dataset, task, metric, phase, strategy, encoder, learner, b};
        const auto it = cells.find(key);
        if (it == cells.end()) {
          out << " – |";
          continue;
        }
        out << " " << fmt(it->second.mean) << " ± " << fmt(it->second.ci95) << " (" << it->second.n
            << ")";
        const auto cmp = compare_cell(values, key, 0.05);
        if (cmp && *cmp > 0) out << " ▲";
        if (cmp && *cmp < 0) {
          out << " ▼";
          worse.emplace_back(key, it->second);
        }
        out << " |";
        last_gap = gap_closed(cells, key);
      }
      out << " " << (last_gap ? fmt(100.0 * *last_gap, 0) + " %" : std::string("–")) << " |\n";
    }
    for (const auto& [k, s] : cells)
      if (k.strategy == "all" && k.dataset == dataset && k.task == task && k.metric == metric)
        out << "\n`all` (" << k.learner << ", " << k.budget << " labels): " << fmt(s.mean) << " ± "
            << fmt(s.ci95) << " (" << s.n << ")\n";
    out << "\n";
  }
  out << "▲ / ▼: significantly better / worse than random at that budget (Welch's t-test, "
         "one-sided p < 0.05; no mark where either side has fewer than 2 runs).\n\n"
      << "### Significantly worse than random\n\n";
  if (worse.empty()) out << "None.\n";
  for (const auto& [k, s] : worse) {
    const auto r = summarise(*random_values(values, k));
    out << "- " << k.dataset << " · " << k.task << " · " << k.metric << " · " << k.phase << " · "
        << k.strategy << " (" << k.encoder << ") at " << k.budget << ": " << fmt(s.mean)
        << " vs random " << fmt(r.mean) << "\n";
  }
  return out.str();
}

std::string svg_curves(const std::vector<ResultRow>& rows, const std::string& dataset,
                       const std::string& task, const std::string& metric,
                       const std::string& phase) {
  const auto cells = summarise(rows);
  std::map<std::string, std::vector<std::pair<long, Summary>>> series;
  std::optional<Summary> all;
  double lo = 1e300, hi = -1e300;
  long bmin = LONG_MAX, bmax = LONG_MIN;
  for (const auto& [k, s] : cells) {
    if (k.dataset != dataset || k.task != task || k.metric != metric) continue;
    if (k.strategy == "all") {
      all = s;
    } else if (k.phase == phase) {
      series[k.strategy + " / " + k.encoder + " / " + k.learner].push_back({k.budget, s});
      bmin = std::min(bmin, k.budget);
      bmax = std::max(bmax, k.budget);
    } else {
      continue;
    }
    lo = std::min(lo, s.mean - s.ci95);
    hi = std::max(hi, s.mean + s.ci95);
  }
  COLDSTART_CHECK(!series.empty(), InvalidArgument, "no results for {} / {} / {} / {}", dataset,
                  task, metric, phase);
  if (hi - lo < 1e-9) hi = lo + 1.0;
  const double pad_y = 0.06 * (hi - lo);  // markers and error bars stay inside the frame
  lo -= pad_y;
  hi += pad_y;
  // A single budget is centred; otherwise a margin keeps end markers off the axis.
  const double span = bmax == bmin ? 2.0 : double(bmax - bmin);
  const double xlo = bmax == bmin ? bmin - 1.0 : bmin - 0.05 * span;
  const double xhi = bmax == bmin ? bmin + 1.0 : bmax + 0.05 * span;
  // The legend sits under the plot, one row per series, as wide as the plot: long names fit.
  const int legend_rows = static_cast<int>(series.size()) + (all ? 1 : 0);
  std::size_t longest = 0;
  for (const auto& [name, pts] : series) longest = std::max(longest, name.size());
  const double W = std::max(640.0, 110.0 + 7.2 * static_cast<double>(longest)), L = 78, R = 24,
               T = 40, PH = 300, B = 56;
  const double H = T + PH + B + 18.0 * legend_rows + 12;
  const double y_axis = T + PH;
  auto xs = [&](double b) { return L + (b - xlo) / (xhi - xlo) * (W - L - R); };
  auto ys = [&](double v) { return y_axis - (v - lo) / (hi - lo) * PH; };
  static const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  const auto marker = [](std::ostream& o, int shape, double x, double y, const char* c) {
    switch (shape % 4) {
      case 0:
        o << "<circle cx=\"" << x << "\" cy=\"" << y << "\" r=\"4.5\"";
        break;
      case 1:
        o << "<rect x=\"" << x - 4 << "\" y=\"" << y - 4 << "\" width=\"8\" height=\"8\"";
        break;
      case 2:
        o << "<polygon points=\"" << x << "," << y - 5.5 << " " << x + 5.5 << "," << y << " " << x
          << "," << y + 5.5 << " " << x - 5.5 << "," << y << "\"";
        break;
      default:
        o << "<polygon points=\"" << x << "," << y - 5.5 << " " << x + 5 << "," << y + 4 << " "
          << x - 5 << "," << y + 4 << "\"";
    }
    o << " fill=\"" << c << "\" stroke=\"white\" stroke-width=\"1\" class=\"marker\"/>";
  };
  std::string metric_label = metric;
  std::transform(metric_label.begin(), metric_label.end(), metric_label.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << L << "\" y=\"22\" font-size=\"15\">" << dataset << " · " << task << " · "
    << metric << " (" << phase << "), mean ± 95 % CI</text>\n"
    << "<line x1=\"" << L << "\" y1=\"" << y_axis << "\" x2=\"" << W - R << "\" y2=\"" << y_axis
    << "\" stroke=\"black\"/>\n<line x1=\"" << L << "\" y1=\"" << T << "\" x2=\"" << L << "\" y2=\""
    << y_axis << "\" stroke=\"black\"/>\n";
  for (int i = 0; i <= 4; ++i) {
    const double v = lo + (hi - lo) * i / 4.0;
    o << "<line x1=\"" << L - 4 << "\" y1=\"" << ys(v) << "\" x2=\"" << W - R << "\" y2=\"" << ys(v)
      << "\" stroke=\"#e5e5e5\"/><text x=\"" << L - 8 << "\" y=\"" << ys(v) + 4
      << "\" text-anchor=\"end\">" << fmt(v) << "</text>\n";
  }
  std::set<long> budgets;
  for (const auto& [name, pts] : series)
    for (const auto& p : pts) budgets.insert(p.first);
  for (long b : budgets)
    o << "<line x1=\"" << xs(b) << "\" y1=\"" << y_axis << "\" x2=\"" << xs(b) << "\" y2=\""
      << y_axis + 4 << "\" stroke=\"black\"/><text x=\"" << xs(b) << "\" y=\"" << y_axis + 18
      << "\" text-anchor=\"middle\">" << b << "</text>\n";
  o << "<text class=\"xlabel\" x=\"" << (L + W - R) / 2 << "\" y=\"" << y_axis + 40
    << "\" text-anchor=\"middle\" font-size=\"13\">labelled samples (budget)</text>\n"
    << "<text class=\"ylabel\" x=\"18\" y=\"" << T + PH / 2
    << "\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 18 " << T + PH / 2
    << ")\">" << metric_label << " (" << (higher_is_better(metric) ? "higher" : "lower")
    << " is better)</text>\n";
  if (all)
    o << "<line x1=\"" << L << "\" y1=\"" << ys(all->mean) << "\" x2=\"" << W - R << "\" y2=\""
      << ys(all->mean) << "\" stroke=\"black\" stroke-dasharray=\"6,4\"/>\n";
  const double legend_y = y_axis + B + 8;
  int i = 0;
  for (const auto& [name, pts] : series) {
    const char* c = kColours[i % 10];
    // Series side by side at each budget (5 px apart), so equal budgets do not hide each
    // other's error bars.
    const double dodge = 5.0 * (i - (static_cast<double>(series.size()) - 1.0) / 2.0);
    o << "<g class=\"series\"><polyline fill=\"none\" stroke=\"" << c
      << "\" stroke-width=\"2\" points=\"";
    for (const auto& [b, s] : pts) o << xs(b) + dodge << "," << ys(s.mean) << " ";
    o << "\"/>\n";
    for (const auto& [b, s] : pts) {
      o << "<line x1=\"" << xs(b) + dodge << "\" y1=\"" << ys(s.mean - s.ci95) << "\" x2=\""
        << xs(b) + dodge << "\" y2=\"" << ys(s.mean + s.ci95) << "\" stroke=\"" << c << "\"/>";
      marker(o, i / 10, xs(b) + dodge, ys(s.mean), c);
      o << "\n";
    }
    const double ly = legend_y + 18.0 * i;
    o << "<line x1=\"" << L << "\" y1=\"" << ly << "\" x2=\"" << L + 28 << "\" y2=\"" << ly
      << "\" stroke=\"" << c << "\" stroke-width=\"2\"/>";
    marker(o, i / 10, L + 14, ly, c);
    o << "<text class=\"legend\" x=\"" << L + 36 << "\" y=\"" << ly + 4 << "\">" << name
      << "</text></g>\n";
    ++i;
  }
  if (all) {
    const double ly = legend_y + 18.0 * i;
    o << "<line x1=\"" << L << "\" y1=\"" << ly << "\" x2=\"" << L + 28 << "\" y2=\"" << ly
      << "\" stroke=\"black\" stroke-dasharray=\"6,4\"/><text class=\"legend\" x=\"" << L + 36
      << "\" y=\"" << ly + 4 << "\">all labels (" << fmt(all->mean) << ")</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::vector<std::pair<std::string, std::string>> svg_curve_files(
    const std::vector<ResultRow>& rows, const std::string& folder,
    const std::vector<std::string>& metrics) {
  std::set<std::tuple<std::string, std::string, std::string, std::string>> keys;
  for (const auto& r : rows)
    if (r.strategy != "all" &&
        (metrics.empty() || std::find(metrics.begin(), metrics.end(), r.metric) != metrics.end()))
      keys.insert({r.dataset, r.task, r.metric, r.phase});
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& [d, t, m, p] : keys)
    files.emplace_back(
        (std::filesystem::path(folder) / (d + "_" + t + "_" + m + "_" + p + ".svg")).string(),
        svg_curves(rows, d, t, m, p));
  return files;
}

std::vector<std::string> write_svg_curves(const std::vector<ResultRow>& rows,
                                          const std::string& folder,
                                          const std::vector<std::string>& metrics) {
  std::vector<std::string> written;
  for (const auto& [path, text] : svg_curve_files(rows, folder, metrics)) {
    io::atomic_write(path, text);
    written.push_back(path);
  }
  return written;
}

}  // namespace coldstart::report
