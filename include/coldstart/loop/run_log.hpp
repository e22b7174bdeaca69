#pragma once
// The run manifest of an active-learning loop: a JSON-lines file whose first line describes the
// run (seed, dataset hash, encoder card, strategy names, budgets) and each further line one
// completed round (selected ids, metrics). Every line is appended atomically (write temp, fsync,
// rename), so after a crash the file holds exactly the rounds that finished; a loop started again
// with the same run description resumes after the last of them.

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::loop {

/// One finished round: the ids labelled in it (in pick order) and the test metrics of the model
/// trained on everything labelled so far.
struct RoundRecord {
  int round = 0;                          ///< 0 = initial (cold-start) selection
  std::vector<std::string> selected;      ///< ids labelled in this round
  Index labelled_total = 0;               ///< labels after this round
  std::map<std::string, double> metrics;  ///< e.g. auroc, auprc, ap, f1 or dice, hd, hd95
};

/// Reads or starts a manifest. `header` identifies the run; resuming a file whose header differs
/// in any field throws InvalidArgument naming the field, so two different runs never share one
/// file.
class RunLog {
 public:
  /// Empty `path` keeps the log in memory only (no resume).
  RunLog(std::string path, boost::json::object header);

  [[nodiscard]] const std::vector<RoundRecord>& rounds() const noexcept { return rounds_; }
  [[nodiscard]] const boost::json::object& header() const noexcept { return header_; }
  /// Appends a round durably; its number must follow the last one.
  void append(const RoundRecord& record);

 private:
  std::string path_;
  boost::json::object header_;
  std::vector<RoundRecord> rounds_;
};

/// Writes `m` into `o` twice: under "metrics" as JSON numbers (for people and other tools; NaN and
/// infinities, which JSON cannot hold, as null), and
/// under "metrics_exact" as hexadecimal floating-point text ("0x1.8p-1"), which reads back to the
/// same double. Boost.JSON 1.81's decimal parser is not correctly rounded (a value can come back
/// one ulp off), and a resumed run must reproduce the uninterrupted one bit for bit.
void put_metrics(boost::json::object& o, const std::map<std::string, double>& m);
/// The metrics `put_metrics` wrote ("metrics_exact" when present, else "metrics"); IoError naming
/// `source` when malformed.
[[nodiscard]] std::map<std::string, double> get_metrics(const boost::json::object& o,
                                                        const std::string& source);

[[nodiscard]] boost::json::object to_json(const RoundRecord& r);
[[nodiscard]] RoundRecord round_from_json(const boost::json::object& o, const std::string& source);

}  // namespace coldstart::loop
