#pragma once
// Params structs ⇄ JSON, derived from their declared fields (coldstart/params.hpp): what
// manifests record, what `--param name=value` parses, what help and docs list.

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "coldstart/error.hpp"
#include "coldstart/params.hpp"

namespace coldstart::registry {

/// One parameter as help text and docs show it.
struct ParamInfo {
  std::string name;
  std::string type;  ///< bool, int, uint, float or string
  std::string help;
  boost::json::value default_value;
};

namespace detail {

template <class T>
constexpr const char* type_name() {
  if constexpr (std::is_same_v<T, std::string>)
    return "string";
  else if constexpr (std::is_same_v<T, bool>)
    return "bool";
  else if constexpr (std::is_floating_point_v<T>)
    return "float";
  else if constexpr (std::is_unsigned_v<T>)
    return "uint";
  else
    return "int";
}

template <class T>
boost::json::value to_value(const T& v) {
  if constexpr (std::is_same_v<T, std::string>)
    return boost::json::value(v);
  else if constexpr (std::is_same_v<T, bool>)
    return boost::json::value(v);
  else if constexpr (std::is_floating_point_v<T>)
    return boost::json::value(static_cast<double>(v));
  else if constexpr (std::is_unsigned_v<T>)
    return boost::json::value(static_cast<std::uint64_t>(v));
  else
    return boost::json::value(static_cast<std::int64_t>(v));
}

/// The JSON value as a T, or InvalidArgument naming `who` and the parameter.
template <class T>
T from_value(const boost::json::value& v, std::string_view who, std::string_view name) {
  const auto fail = [&]() -> T {
    throw InvalidArgument(std::string(who) + ": parameter '" + std::string(name) + "' expects " +
                          type_name<T>() + ", got " + boost::json::serialize(v));
  };
  if constexpr (std::is_same_v<T, std::string>) {
    return v.is_string() ? std::string(v.as_string()) : fail();
  } else if constexpr (std::is_same_v<T, bool>) {
    return v.is_bool() ? v.as_bool() : fail();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) return fail();
    const double d = v.to_number<double>();
    if (!std::isfinite(d)) return fail();
    return static_cast<T>(d);
  } else {
    // Integers: exact integral JSON numbers within T's range only.
    if (v.is_int64()) {
      const std::int64_t i = v.as_int64();
      if (std::is_unsigned_v<T> && i < 0) return fail();
      if (static_cast<long double>(i) > static_cast<long double>(std::numeric_limits<T>::max()) ||
          static_cast<long double>(i) < static_cast<long double>(std::numeric_limits<T>::min()))
        return fail();
      return static_cast<T>(i);
    }
    if (v.is_uint64()) {
      const std::uint64_t u = v.as_uint64();
      if (static_cast<long double>(u) > static_cast<long double>(std::numeric_limits<T>::max()))
        return fail();
      return static_cast<T>(u);
    }
    return fail();
  }
}

}  // namespace detail

/// The declared fields of `p` as {name: value}.
template <class P>
[[nodiscard]] boost::json::object to_json(const P& p) {
  boost::json::object o;
  for_each_param<P>([&](const auto& f) { o[f.name] = detail::to_value(p.*(f.member)); });
  return o;
}

/// `base` with the fields named in `o` replaced, then validated (P::validate when P has one).
/// Throws InvalidArgument naming `who` for an unknown name (listing the known ones), a value of
/// the wrong type or out of range, or a value validate() refuses.
template <class P>
[[nodiscard]] P from_json(const boost::json::object& o, P base, std::string_view who) {
  for (const auto& [key, value] : o) {
    bool known = false;
    std::string names;
    for_each_param<P>([&](const auto& f) {
      names += (names.empty() ? "" : ", ") + std::string(f.name);
      if (key == f.name) {
        known = true;
        using T = typename std::decay_t<decltype(f)>::Type;
        base.*(f.member) = detail::from_value<T>(value, who, f.name);
      }
    });
    COLDSTART_CHECK(known, InvalidArgument, "{}: unknown parameter '{}' (expected {})", who,
                    std::string_view(key), names.empty() ? std::string("none") : names);
  }
  if constexpr (ValidatedParams<P>) base.validate();
  return base;
}

/// Name, type, help and default of every declared field of P (defaults taken from `defaults`).
template <class P>
[[nodiscard]] std::vector<ParamInfo> param_infos(const P& defaults = {}) {
  std::vector<ParamInfo> out;
  for_each_param<P>([&](const auto& f) {
    using T = typename std::decay_t<decltype(f)>::Type;
    out.push_back({f.name, detail::type_name<T>(), f.help, detail::to_value(defaults.*(f.member))});
  });
  return out;
}

/// Parses the text of `--param name=value` into the JSON value of a parameter of type
/// `info.type` (true/false, integers, decimals, text as is). Throws InvalidArgument naming `who`.
[[nodiscard]] boost::json::value parse_param_text(const ParamInfo& info, std::string_view text,
                                                  std::string_view who);

}  // namespace coldstart::registry
