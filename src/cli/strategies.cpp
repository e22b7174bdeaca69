// `coldstart strategies`: the registry, listed for people (text) or for the docs (markdown).
#include "strategies.hpp"

#include <boost/json/serialize.hpp>

#include "cli.hpp"
#include "coldstart/registry/encoders.hpp"
#include "coldstart/registry/learners.hpp"
#include "coldstart/registry/registry.hpp"

namespace coldstart::cli {

CommandSpec strategies_spec() {
  CommandSpec spec("strategies", "[--markdown]");
  spec.flag("markdown",
            "print the selector and acquisition tables of docs/selectors.md (between their "
            "<!-- registry:... --> markers) instead of the listing");
  return spec;
}

StrategiesOptions parse_strategies(const std::vector<std::string>& args) {
  const Args a = strategies_spec().parse(args);
  return {.markdown = a.get<bool>("markdown")};
}

namespace {

/// A default as typed on the command line: 0.95, not JSON's 9.5E-1.
std::string value_text(const boost::json::value& v) {
  if (v.is_double()) return format_number(v.as_double());
  if (v.is_string()) return std::string(v.as_string());
  return boost::json::serialize(v);
}

/// "title:" then per entry its name, what it reads, its description and its parameters.
template <class R>
std::string listing(const R& r, const std::string& title) {
  std::string out = title + ":\n";
  for (const auto& e : r.entries()) {
    out += "  " + e.name + "  (reads " + registry::to_string(e.input) + ")\n      " +
           e.description + "\n";
    for (const auto& p : e.params)
      out += "      " + p.name + "=" + value_text(p.default_value) + "  (" + p.type + ") " +
             p.help + "\n";
  }
  return out;
}

template <class R>
std::string docs_block(const R& r, const std::string& marker) {
  return "<!-- registry:" + marker + " -->\n" + registry::markdown_table(r) +
         "<!-- /registry -->\n";
}

}  // namespace

std::string strategies(const StrategiesOptions& o) {
  if (o.markdown)
    return docs_block(registry::selectors(), "selectors") + "\n" +
           docs_block(registry::acquisitions(), "acquisitions");
  std::string out =
      listing(registry::selectors(),
              "selectors (coldstart select --strategy NAME [--param NAME=VALUE])") +
      "\n" +
      listing(registry::acquisitions(),
              "acquisition functions (coldstart acquire --strategy NAME [--param NAME=VALUE])") +
      "\n" +
      listing(registry::encoders(),
              "encoders (coldstart embed --encoder NAME [--param NAME=VALUE]; or a "
              "TorchScript file FILE.pt)");
#ifdef COLDSTART_WITH_TORCH  // learners are LibTorch's
  out += "\n" + listing(registry::learners(),
                        "learners (coldstart run --classifier NAME; run's "
                        "options set their parameters)");
#endif
  return out;
}

}  // namespace coldstart::cli
