#pragma once
// Command-line options declared once (the habit of mlpack's `*_main.cpp`): each option's name,
// help, type, default, whether it is required and its check sit in one declaration, from which
// both the Boost.Program_options description (--help) and the validation derive.
//
//   CommandSpec spec("select", "--budget N --out picks.csv");
//   spec.value<Index>("budget", "number of samples to pick (> 0)", {.check = positive<Index>(),
//                                                                    .required = true});
//   const Args a = spec.parse(inv.args);   // throws UsageError "--budget must be positive (got 0)"

#include <boost/program_options.hpp>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "cli.hpp"

namespace coldstart::cli {

/// Checks a given value: "" when it is fine, else what is wrong ("must be positive (got 0)");
/// the message is prefixed with the option ("--budget must be ..."; a message that starts with
/// ':' follows the option directly: "--strategy: unknown selector 'x' (expected ...)").
template <class T>
using Check = std::function<std::string(const T&)>;

/// How a value option is declared: its default (shown in --help), check and whether it is needed.
template <class T>
struct ValueSpec {
  std::optional<T> def = {};  ///< default value; none = absent unless given
  Check<T> check = {};        ///< run on given values (not on the default)
  bool required = false;      ///< UsageError "--name is required" when absent
};

/// The parsed options of one command line: values by option name.
class Args {
 public:
  explicit Args(po::variables_map vm) : vm_(std::move(vm)) {}
  /// Present: given or with a default.
  [[nodiscard]] bool has(const std::string& name) const { return vm_.count(name) > 0; }
  /// Given on the command line (not just defaulted).
  [[nodiscard]] bool given(const std::string& name) const {
    return has(name) && !vm_[name].defaulted();
  }
  template <class T>
  [[nodiscard]] T get(const std::string& name) const {
    return vm_[name].as<T>();
  }
  /// The value, or `fallback` when absent.
  [[nodiscard]] std::string str(const std::string& name, const std::string& fallback = "") const {
    return has(name) ? get<std::string>(name) : fallback;
  }
  /// Every value of a repeatable option (empty when absent).
  [[nodiscard]] std::vector<std::string> list(const std::string& name) const {
    return has(name) ? get<std::vector<std::string>>(name) : std::vector<std::string>{};
  }

 private:
  po::variables_map vm_;
};

/// The options of one command, each declared once.
class CommandSpec {
 public:
  CommandSpec(std::string command, std::string synopsis);

  /// --name VALUE.
  template <class T>
  CommandSpec& value(const std::string& name, const std::string& help, ValueSpec<T> spec = {});
  /// --name (a switch, false when absent).
  CommandSpec& flag(const std::string& name, const std::string& help);
  /// --name VALUE, repeatable; every value is kept in order.
  CommandSpec& list(const std::string& name, const std::string& help,
                    Check<std::string> check = {});
  /// Binds the first positional argument to the option `name`.
  CommandSpec& positional(const std::string& name);
  /// --old is another spelling of the declared option --name (kept for old command lines):
  /// parse() reads `--old V` / `--old=V` as `--name V`; the help lists it under --name's entry.
  CommandSpec& alias(const std::string& old, const std::string& name);

  /// "usage: coldstart <command> <synopsis>" and the option table.
  void print_help(std::ostream& out) const;
  /// True (help printed to `out`) when `args` hold --help or -h.
  bool help_requested(const std::vector<std::string>& args, std::ostream& out) const;
  /// Parses and checks `args`. Throws UsageError naming the option for an unknown or malformed
  /// option, a missing required one or a value its check refuses.
  [[nodiscard]] Args parse(const std::vector<std::string>& args) const;

 private:
  struct Option {
    std::string name;
    bool required = false;
    std::function<std::string(const po::variables_map&)> check;  ///< "" = fine
    bool unsigned_value = false;  ///< refuse "-1" (lexical_cast would wrap it to 2^64-1)
  };
  void check_tokens(const po::parsed_options& parsed) const;
  [[nodiscard]] std::string stray_argument_message(const std::vector<std::string>& args) const;
  std::string command_, synopsis_;
  po::options_description desc_;
  std::vector<Option> options_;
  std::string positional_;
  std::vector<std::pair<std::string, std::string>> aliases_;  ///< (old, name)
};

template <class T>
CommandSpec& CommandSpec::value(const std::string& name, const std::string& help,
                                ValueSpec<T> spec) {
  auto* v = po::value<T>();
  if (spec.def) v->default_value(*spec.def);
  desc_.add_options()(name.c_str(), v, help.c_str());
  Option o{name, spec.required, {}, std::is_unsigned_v<T>};
  if (spec.check)
    o.check = [name, check = spec.check](const po::variables_map& vm) -> std::string {
      if (!vm.count(name) || vm[name].defaulted()) return "";
      return check(vm[name].as<T>());
    };
  options_.push_back(std::move(o));
  return *this;
}

// --- checks --------------------------------------------------------------------------------------

/// "must be positive (got x)" unless x > 0.
template <class T>
[[nodiscard]] Check<T> positive() {
  return [](const T& x) { return x > 0 ? "" : "must be positive (got " + std::to_string(x) + ")"; };
}
/// "must be at least lo" unless x >= lo.
template <class T>
[[nodiscard]] Check<T> at_least(T lo) {
  return [lo](const T& x) {
    return x >= lo ? std::string()
                   : "must be at least " + std::to_string(lo) + " (got " + std::to_string(x) + ")";
  };
}
/// "must be a, b or c (got 'x')" unless x is one of `choices`.
[[nodiscard]] Check<std::string> one_of(std::vector<std::string> choices);

/// "a, b or c".
[[nodiscard]] std::string or_list(const std::vector<std::string>& names);

/// The items of a comma-separated value ("a,,b" -> {a, b}; empty items are dropped).
[[nodiscard]] std::vector<std::string> split_commas(const std::string& value);

/// The candidate closest to `typed` (edit distance at most a third of its length, at least 2),
/// or "" when none is close: the "did you mean" of a typo.
[[nodiscard]] std::string nearest(const std::string& typed,
                                  const std::vector<std::string>& choices);

/// "must not be empty" for "" (paths and names).
[[nodiscard]] Check<std::string> not_empty();
/// "must be between lo and hi (got x)" unless lo <= x <= hi.
template <class T>
[[nodiscard]] Check<T> in_range(T lo, T hi) {
  return [lo, hi](const T& x) -> std::string {
    if (x >= lo && x <= hi) return "";
    return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " (got " +
           std::to_string(x) + ")";
  };
}

}  // namespace coldstart::cli
