// Parsing `--param name=value` text into a typed JSON value.
#include <boost/json/serialize.hpp>
#include <charconv>
#include <iomanip>
#include <sstream>

#include "coldstart/registry/registry.hpp"

namespace coldstart::registry {

const char* to_string(Input in) {
  switch (in) {
    case Input::kEmbeddings:
      return "embeddings";
    case Input::kProbs:
      return "probabilities";
    case Input::kMcProbs:
      return "MC-dropout probabilities";
    case Input::kProbMaps:
      return "probability maps";
    case Input::kProbsAndEmbeddings:
      return "probabilities + features";
    case Input::kAnyOutputs:
      return "any model outputs";
    case Input::kImages:
      return "images";
    case Input::kFeatures:
      return "embeddings (features)";
  }
  return "?";
}

std::string value_text(const boost::json::value& v) {
  if (!v.is_double()) return boost::json::serialize(v);
  std::ostringstream out;  // 0.95, not JSON's 9.5E-1
  out << std::setprecision(6) << v.as_double();
  return out.str();
}

std::string params_summary(const std::vector<ParamInfo>& params) {
  std::string out;
  for (const auto& p : params)
    out += (out.empty() ? "" : ", ") + p.name + "=" + value_text(p.default_value);
  return out.empty() ? "-" : out;
}

boost::json::value parse_param_text(const ParamInfo& info, std::string_view text,
                                    std::string_view who) {
  const auto fail = [&]() -> boost::json::value {
    throw InvalidArgument(std::string(who) + ": parameter '" + info.name + "' expects " +
                          info.type + ", got '" + std::string(text) + "'");
  };
  if (info.type == "string") return boost::json::string(text);
  if (info.type == "bool") {
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0") return false;
    return fail();
  }
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (info.type == "float") {
    double d = 0;
    const auto r = std::from_chars(first, last, d);
    if (r.ec != std::errc() || r.ptr != last || text.empty()) return fail();
    return d;
  }
  if (info.type == "uint") {
    std::uint64_t u = 0;
    const auto r = std::from_chars(first, last, u);
    if (r.ec != std::errc() || r.ptr != last || text.empty()) return fail();
    return u;
  }
  std::int64_t i = 0;
  const auto r = std::from_chars(first, last, i);
  if (r.ec != std::errc() || r.ptr != last || text.empty()) return fail();
  return i;
}

}  // namespace coldstart::registry
