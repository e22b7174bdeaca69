#pragma once
// `coldstart strategies`: every registered selector, acquisition function, encoder and learner
// with what it reads and its parameters; --markdown prints the docs tables
// (registry::markdown_table), which docs/selectors.md holds between registry markers.

#include <iosfwd>
#include <string>
#include <vector>

#include "options.hpp"

namespace coldstart::cli {

struct StrategiesOptions {
  bool markdown = false;
};

/// The options of `coldstart strategies`, declared once.
[[nodiscard]] CommandSpec strategies_spec();
/// Throws UsageError.
[[nodiscard]] StrategiesOptions parse_strategies(const std::vector<std::string>& args);
/// The listing: plain text, or the two docs blocks
///   <!-- registry:selectors -->\n<markdown_table(selectors())><!-- /registry -->
/// and the same for acquisitions.
[[nodiscard]] std::string strategies(const StrategiesOptions& o);

}  // namespace coldstart::cli
