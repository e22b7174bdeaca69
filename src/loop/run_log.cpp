#include "coldstart/loop/run_log.hpp"

#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"

namespace coldstart::loop {

void put_metrics(boost::json::object& o, const std::map<std::string, double>& m) {
  boost::json::object shown, exact;
  for (const auto& [k, v] : m) {
    // JSON has no NaN or infinity (Boost.JSON would write a token no parser reads back): null
    // for people, the exact text keeps the value.
    if (std::isfinite(v))
      shown[k] = v;
    else
      shown[k] = nullptr;
    char hex[64];
    std::snprintf(hex, sizeof hex, "%a", v);
    exact[k] = hex;
  }
  o["metrics"] = std::move(shown);
  o["metrics_exact"] = std::move(exact);
}

std::map<std::string, double> get_metrics(const boost::json::object& o, const std::string& source) {
  std::map<std::string, double> m;
  if (const auto* exact = o.if_contains("metrics_exact")) {
    COLDSTART_IO_CHECK(exact->is_object(), source, "'metrics_exact' is not an object{}", "");
    for (const auto& kv : exact->get_object()) {
      COLDSTART_IO_CHECK(kv.value().is_string(), source, "metric '{}' is not a string",
                         std::string(kv.key()));
      const std::string text(kv.value().get_string());
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      COLDSTART_IO_CHECK(!text.empty() && end == text.c_str() + text.size(), source,
                         "metric '{}': '{}' is not a number", std::string(kv.key()), text);
      m[std::string(kv.key())] = v;
    }
    return m;
  }
  try {
    for (const auto& kv : o.at("metrics").as_object())
      m[std::string(kv.key())] =
          kv.value().is_null() ? std::nan("") : kv.value().to_number<double>();
  } catch (const std::exception& e) {
    COLDSTART_IO_CHECK(false, source, "malformed metrics: {}", e.what());
  }
  return m;
}

boost::json::object to_json(const RoundRecord& r) {
  boost::json::object o;
  o["type"] = "round";
  o["round"] = r.round;
  boost::json::array ids;
  for (const auto& id : r.selected) ids.emplace_back(id);
  o["selected"] = std::move(ids);
  o["labelled_total"] = static_cast<std::int64_t>(r.labelled_total);
  put_metrics(o, r.metrics);
  return o;
}

RoundRecord round_from_json(const boost::json::object& o, const std::string& source) {
  RoundRecord r;
  try {
    r.round = static_cast<int>(o.at("round").to_number<std::int64_t>());
    for (const auto& id : o.at("selected").as_array()) r.selected.emplace_back(id.as_string());
    r.labelled_total = o.at("labelled_total").to_number<std::int64_t>();
  } catch (const std::exception& e) {
    COLDSTART_IO_CHECK(false, source, "malformed round record: {}", e.what());
  }
  r.metrics = get_metrics(o, source);
  return r;
}

RunLog::RunLog(std::string path, boost::json::object header)
    : path_(std::move(path)), header_(std::move(header)) {
  header_["type"] = "run";
  if (path_.empty()) return;
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    io::atomic_append_line(path_, boost::json::serialize(header_));
    return;
  }
  const auto lines = io::read_json_lines(path_);
  COLDSTART_IO_CHECK(!lines.empty() && lines[0].is_object() &&
                         lines[0].as_object().contains("type") &&
                         lines[0].as_object().at("type") == "run",
                     path_, "not a coldstart run manifest (first line is no run header)");
  const auto& old = lines[0].as_object();
  for (const auto& kv : header_) {
    const auto* v = old.if_contains(kv.key());
    COLDSTART_CHECK(v && *v == kv.value(), InvalidArgument,
                    "manifest '{}' belongs to another run: field '{}' is {} there, {} here", path_,
                    std::string(kv.key()), v ? boost::json::serialize(*v) : "absent",
                    boost::json::serialize(kv.value()));
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    COLDSTART_IO_CHECK(lines[i].is_object(), path_, "line {} is not a JSON object", i + 1);
    RoundRecord r = round_from_json(lines[i].as_object(), path_);
    COLDSTART_IO_CHECK(r.round == static_cast<int>(rounds_.size()), path_,
                       "line {} holds round {}, expected round {}", i + 1, r.round, rounds_.size());
    rounds_.push_back(std::move(r));
  }
}

void RunLog::append(const RoundRecord& record) {
  COLDSTART_CHECK(record.round == static_cast<int>(rounds_.size()), InvalidArgument,
                  "round {} appended after {} rounds", record.round, rounds_.size());
  if (!path_.empty()) io::atomic_append_line(path_, boost::json::serialize(to_json(record)));
  rounds_.push_back(record);
}

}  // namespace coldstart::loop
