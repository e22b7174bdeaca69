#include "coldstart/io/manifest.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <sstream>

#include "coldstart/error.hpp"
#include "coldstart/io/file.hpp"

#ifndef COLDSTART_VERSION
#define COLDSTART_VERSION "0.0.0"
#endif

namespace coldstart::io {

const char* version() noexcept { return COLDSTART_VERSION; }

boost::json::object make_manifest(const std::string& tool) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  boost::json::object m;
  m["tool"] = tool;
  m["version"] = version();
  m["created_utc"] = buf;
  return m;
}

namespace {

void pretty(std::ostringstream& out, const boost::json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  if (v.is_object()) {
    const auto& o = v.get_object();
    if (o.empty()) {
      out << "{}";
      return;
    }
    out << "{\n";
    std::size_t i = 0;
    for (const auto& kv : o) {
      out << pad << "  " << boost::json::serialize(boost::json::value(kv.key())) << ": ";
      pretty(out, kv.value(), indent + 1);
      out << (++i < o.size() ? ",\n" : "\n");
    }
    out << pad << "}";
  } else if (v.is_array() && !v.get_array().empty() && !v.get_array()[0].is_primitive()) {
    const auto& a = v.get_array();
    out << "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      out << pad << "  ";
      pretty(out, a[i], indent + 1);
      out << (i + 1 < a.size() ? ",\n" : "\n");
    }
    out << pad << "]";
  } else if (v.is_array()) {  // primitives on one line, as serialize() writes them
    const auto& a = v.get_array();
    out << "[";
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i) out << ",";
      pretty(out, a[i], indent + 1);
    }
    out << "]";
  } else if (v.is_double() && !std::isfinite(v.get_double())) {
    // JSON has no NaN or infinity; serialize() would write "Infinity", which no JSON parser
    // (ours included) reads back (found by tests/fuzz/json_fuzz.cpp: "1e400" parses as inf).
    out << "null";
  } else {
    out << boost::json::serialize(v);
  }
}

}  // namespace

std::string to_json_text(const boost::json::value& v) {
  std::ostringstream out;
  pretty(out, v, 0);
  out << "\n";
  return out.str();
}

void write_json(const std::string& path, const boost::json::value& v) {
  atomic_write(path, to_json_text(v));
}

boost::json::value parse_json(std::string_view text, const std::string& source) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  COLDSTART_IO_CHECK(!ec, source, "invalid JSON: {}", ec.message());
  return v;
}

boost::json::value read_json(const std::string& path) { return parse_json(read_file(path), path); }

std::vector<boost::json::value> read_json_lines(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<boost::json::value> out;
  std::istringstream in(text);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    boost::system::error_code ec;
    out.push_back(boost::json::parse(line, ec));
    COLDSTART_IO_CHECK(!ec, path, "invalid JSON on line {}: {}", number, ec.message());
  }
  return out;
}

}  // namespace coldstart::io
