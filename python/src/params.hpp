#pragma once
// Registry parameters and JSON at the module boundary, shared by coldstart._core and
// coldstart._torch: keyword arguments → the registry's JSON overrides (the registry checks names
// and types, as for `--param` on the command line), and registry entries / cards → Python.

#include <nanobind/nanobind.h>

#include <boost/json.hpp>
#include <string>

#include "coldstart/registry/registry.hpp"

namespace coldstart::python {

namespace nb = nanobind;

/// A JSON value as Python (objects → dict, arrays → list, null → None).
[[nodiscard]] inline nb::object to_python(const boost::json::value& v) {
  if (v.is_bool()) return nb::bool_(v.as_bool());
  if (v.is_int64()) return nb::int_(v.as_int64());
  if (v.is_uint64()) return nb::int_(v.as_uint64());
  if (v.is_double()) return nb::float_(v.as_double());
  if (v.is_string()) return nb::str(v.as_string().c_str());
  if (v.is_array()) {
    nb::list out;
    for (const auto& e : v.as_array()) out.append(to_python(e));
    return out;
  }
  if (v.is_object()) {
    nb::dict out;
    for (const auto& [k, e] : v.as_object()) out[nb::str(k.data(), k.size())] = to_python(e);
    return out;
  }
  return nb::none();
}

/// Keyword parameters → the registry's JSON overrides (the registry checks names and types).
[[nodiscard]] inline boost::json::object to_json(const nb::dict& params) {
  boost::json::object o;
  for (auto [key, value] : params) {
    const std::string name = nb::cast<std::string>(nb::str(key));
    if (nb::isinstance<nb::bool_>(value))
      o[name] = nb::cast<bool>(value);
    else if (nb::isinstance<nb::int_>(value))
      o[name] = nb::cast<std::int64_t>(value);
    else if (nb::isinstance<nb::float_>(value))
      o[name] = nb::cast<double>(value);
    else if (nb::isinstance<nb::str>(value))
      o[name] = nb::cast<std::string>(value);
    else
      throw nb::type_error(("parameter '" + name + "' must be bool, int, float or str, got " +
                            nb::cast<std::string>(nb::str(value.type())))
                               .c_str());
  }
  return o;
}

/// The declared parameters: [{name, type, help, default}].
[[nodiscard]] inline nb::list params_of(const std::vector<registry::ParamInfo>& params) {
  nb::list out;
  for (const auto& p : params) {
    nb::dict d;
    d["name"] = p.name;
    d["type"] = p.type;
    d["help"] = p.help;
    d["default"] = to_python(p.default_value);
    out.append(d);
  }
  return out;
}

/// Appends every entry of `reg` as {kind, name, description, input, params}.
template <class R>
void list_into(nb::list& out, const R& reg, const char* kind) {
  for (const auto& e : reg.entries()) {
    nb::dict d;
    d["kind"] = kind;
    d["name"] = e.name;
    d["description"] = e.description;
    d["input"] = registry::to_string(e.input);
    d["params"] = params_of(e.params);
    out.append(d);
  }
}

}  // namespace coldstart::python
