#pragma once
// The CLI's view of the library registry (coldstart/registry): choices and help text of
// --strategy / --encoder, `--param NAME=VALUE` parsed against an entry's declared parameters,
// and parts built by name with the registry's messages as usage errors (exit 2).

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "coldstart/registry/encoders.hpp"
#include "coldstart/registry/registry.hpp"
#include "options.hpp"

namespace coldstart::cli {

/// One line per entry, "  name: description", for an option's help text.
template <class R>
[[nodiscard]] std::string entry_lines(const R& registry) {
  std::string out;
  for (const auto& e : registry.entries()) out += "\n  " + e.name + ": " + e.description;
  return out;
}

/// A check that `name` is registered: otherwise the registry's own message
/// ("unknown selector 'x' (expected a, b, c)").
template <class R>
[[nodiscard]] Check<std::string> registered_in(const R& registry) {
  return [&registry](const std::string& name) -> std::string {
    if (registry.contains(name)) return "";
    try {
      (void)registry.at(name);
    } catch (const std::exception& e) {
      std::vector<std::string> names;
      for (const auto& entry : registry.entries()) names.push_back(entry.name);
      std::string msg = std::string(": ") + e.what();
      if (const std::string n = nearest(name, names); !n.empty())
        msg += "; did you mean " + n + "?";
      return msg;
    }
    return "";
  };
}

/// True when `params` declares a parameter `name`.
[[nodiscard]] bool declares(const std::vector<registry::ParamInfo>& params,
                            const std::string& name);

/// `--param NAME=VALUE` texts as a JSON object of `declared` parameters, each value parsed by
/// registry::parse_param_text. `who` names the part ("selector 'probcover'"). Throws UsageError
/// naming the parameter for a missing '=', an unknown name (listing the declared ones) or a bad
/// value.
[[nodiscard]] boost::json::object params_from_text(const std::vector<registry::ParamInfo>& declared,
                                                   const std::vector<std::string>& texts,
                                                   const std::string& who);

/// Sets `params[name] = value` unless --param set it already (then UsageError naming both).
void set_param(boost::json::object& params, const std::string& name, boost::json::value value,
               const std::string& option);

/// The selector `name` with `params`; the registry's InvalidArgument becomes a UsageError.
[[nodiscard]] registry::AnySelector make_selector(const std::string& name,
                                                  const boost::json::object& params);
/// The acquisition function `name` with `params`; InvalidArgument becomes a UsageError.
[[nodiscard]] registry::AnyAcquisition make_acquisition(const std::string& name,
                                                        const boost::json::object& params);

/// Declared parameters of the encoder `name`: its entry's, or TorchScriptOptions' for a file.
/// Throws UsageError for an unknown name (the registry's message).
[[nodiscard]] std::vector<registry::ParamInfo> encoder_params(const std::string& name);

}  // namespace coldstart::cli
