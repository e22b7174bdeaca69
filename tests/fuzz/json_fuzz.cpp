// libFuzzer harness: io::parse_json (behind io::read_json, the manifest reader) and the pretty
// printer to_json_text, whose output must parse back to the same value. Numbers compare with a
// relative tolerance of 1e-15: Boost.JSON 1.81's parser is not correctly rounded for every
// decimal (e.g. 9.5E51 parses 1 ulp off), so a double may move by an ulp per round trip; and
// non-finite doubles (1e400 parses as infinity) are written as null.
#include <cmath>
#include <coldstart/io/manifest.hpp>

#include "fuzz.hpp"

namespace {

bool same(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_double() && !std::isfinite(a.get_double())) return b.is_null();
  if (a.is_number() && b.is_number()) {
    const double x = a.to_number<double>(), y = b.to_number<double>();
    return x == y || std::abs(x - y) <= 1e-15 * std::max(std::abs(x), std::abs(y));
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto &p = a.get_array(), &q = b.get_array();
    if (p.size() != q.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (!same(p[i], q[i])) return false;
    return true;
  }
  if (a.is_object()) {
    const auto &p = a.get_object(), &q = b.get_object();
    if (p.size() != q.size()) return false;
    for (const auto& kv : p) {
      const auto* w = q.if_contains(kv.key());
      if (!w || !same(kv.value(), *w)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return coldstart::fuzz::run(data, size, [](std::string_view b) {
    const auto v = coldstart::io::parse_json(b, "fuzz.json");
    const auto again = coldstart::io::parse_json(coldstart::io::to_json_text(v), "fuzz.json");
    if (!same(v, again)) {
      std::fprintf(stderr, "fuzz: to_json_text/parse_json round trip changed the value\n");
      std::abort();
    }
  });
}
