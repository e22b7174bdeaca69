#include "coldstart/loop/run_log.hpp"

#include <boost/json/serialize.hpp>
#include <filesystem>

#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"

namespace coldstart::loop {

boost::json::object to_json(const RoundRecord& r) {
  boost::json::object o;
  o["type"] = "round";
  o["round"] = r.round;
  boost::json::array ids;
  for (const auto& id : r.selected) ids.emplace_back(id);
  o["selected"] = std::move(ids);
  o["labelled_total"] = static_cast<std::int64_t>(r.labelled_total);
  boost::json::object m;
  for (const auto& [k, v] : r.metrics) m[k] = v;
  o["metrics"] = std::move(m);
  return o;
}

RoundRecord round_from_json(const boost::json::object& o, const std::string& source) {
  RoundRecord r;
  try {
    r.round = static_cast<int>(o.at("round").to_number<std::int64_t>());
    for (const auto& id : o.at("selected").as_array()) r.selected.emplace_back(id.as_string());
    r.labelled_total = o.at("labelled_total").to_number<std::int64_t>();
    for (const auto& kv : o.at("metrics").as_object())
      r.metrics[std::string(kv.key())] = kv.value().to_number<double>();
  } catch (const std::exception& e) {
    COLDSTART_IO_CHECK(false, source, "malformed round record: {}", e.what());
  }
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
