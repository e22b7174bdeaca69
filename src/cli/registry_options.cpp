// The CLI's view of the library registry: --param parsing and parts built by name.
#include "registry_options.hpp"

namespace coldstart::cli {

bool declares(const std::vector<registry::ParamInfo>& params, const std::string& name) {
  for (const auto& p : params)
    if (p.name == name) return true;
  return false;
}

boost::json::object params_from_text(const std::vector<registry::ParamInfo>& declared,
                                     const std::vector<std::string>& texts,
                                     const std::string& who) {
  boost::json::object out;
  for (const auto& text : texts) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--param takes NAME=VALUE (got '" + text + "')");
    const std::string name = text.substr(0, eq);
    const registry::ParamInfo* info = nullptr;
    std::string names;
    for (const auto& p : declared) {
      names += (names.empty() ? "" : ", ") + p.name;
      if (p.name == name) info = &p;
    }
    if (!info)
      throw UsageError("--param: " + who + " has no parameter '" + name + "' (expected " +
                       (names.empty() ? std::string("none") : names) + ")");
    if (out.contains(name)) throw UsageError("--param: '" + name + "' is given twice");
    try {
      out[name] = registry::parse_param_text(*info, std::string_view(text).substr(eq + 1), who);
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--param: ") + e.what());
    }
  }
  return out;
}

void set_param(boost::json::object& params, const std::string& name, boost::json::value value,
               const std::string& option) {
  if (params.contains(name))
    throw UsageError(option + " and --param " + name + "=... set the same parameter");
  params[name] = std::move(value);
}

namespace {

template <class R>
auto make_checked(const R& r, const std::string& name, const boost::json::object& params) {
  try {
    return r.make(name, params);
  } catch (const InvalidArgument& e) {
    throw UsageError(e.what());
  }
}

}  // namespace

registry::AnySelector make_selector(const std::string& name, const boost::json::object& params) {
  return make_checked(registry::selectors(), name, params);
}

registry::AnyAcquisition make_acquisition(const std::string& name,
                                          const boost::json::object& params) {
  return make_checked(registry::acquisitions(), name, params);
}

std::vector<registry::ParamInfo> encoder_params(const std::string& name) {
  if (registry::encoders().contains(name)) return registry::encoders().at(name).params;
  if (registry::is_model_path(name)) return registry::param_infos<registry::TorchScriptOptions>();
  // registry::make_encoder's message, before anything is loaded.
  throw UsageError("--encoder: unknown encoder '" + name + "' (expected " +
                   registry::encoders().joined_names() + " or a TorchScript file ending in .pt)");
}

}  // namespace coldstart::cli
