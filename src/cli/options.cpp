// Command-line options declared once: description, parsing and checks from one declaration.
#include "options.hpp"

#include <algorithm>
#include <iostream>
#include <sstream>

namespace coldstart::cli {

CommandSpec::CommandSpec(std::string command, std::string synopsis)
    : command_(std::move(command)),
      synopsis_(std::move(synopsis)),
      desc_("coldstart " + command_ + " options", /*line_length=*/100,
            /*min_description_length=*/60) {
  desc_.add_options()("help,h", "show this help");
}

CommandSpec& CommandSpec::flag(const std::string& name, const std::string& help) {
  desc_.add_options()(name.c_str(), po::bool_switch(), help.c_str());
  options_.push_back({name, false, {}});
  return *this;
}

CommandSpec& CommandSpec::list(const std::string& name, const std::string& help,
                               Check<std::string> check) {
  desc_.add_options()(name.c_str(), po::value<std::vector<std::string>>()->composing(),
                      help.c_str());
  Option o{name, false, {}};
  if (check)
    o.check = [name, check](const po::variables_map& vm) -> std::string {
      if (!vm.count(name)) return "";
      for (const auto& v : vm[name].as<std::vector<std::string>>())
        if (std::string e = check(v); !e.empty()) return e;
      return "";
    };
  options_.push_back(std::move(o));
  return *this;
}

CommandSpec& CommandSpec::positional(const std::string& name) {
  positional_ = name;
  return *this;
}

void CommandSpec::print_help(std::ostream& out) const {
  out << "usage: coldstart " << command_ << " " << synopsis_ << "\n\n" << desc_ << "\n";
}

bool CommandSpec::help_requested(const std::vector<std::string>& args, std::ostream& out) const {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") {
      print_help(out);
      return true;
    }
  return false;
}

namespace {

/// The option names of `desc` ("budget", ...), for suggestions.
std::vector<std::string> option_names(const po::options_description& desc) {
  std::vector<std::string> names;
  for (const auto& o : desc.options()) names.push_back(o->long_name());
  return names;
}

/// "unrecognised option '--budg'; did you mean --budget?" from Boost's unknown_option.
std::string unknown_option_message(const po::unknown_option& e,
                                   const po::options_description& desc) {
  std::string typed = e.get_option_name();
  std::string msg = "unrecognised option '" + typed + "'";
  while (!typed.empty() && typed.front() == '-') typed.erase(typed.begin());
  if (const auto eq = typed.find('='); eq != std::string::npos) typed.resize(eq);
  if (const std::string n = nearest(typed, option_names(desc)); !n.empty())
    msg += "; did you mean --" + n + "?";
  return msg;
}

}  // namespace

std::string CommandSpec::stray_argument_message(const std::vector<std::string>& args) const {
  // Parse again without a positional description: the positional tokens come back unrecognised.
  std::vector<std::string> stray;
  try {
    const int style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    const auto parsed =
        po::command_line_parser(args).options(desc_).style(style).allow_unregistered().run();
    stray = po::collect_unrecognized(parsed.options, po::include_positional);
  } catch (const po::error&) {
  }
  const std::size_t first = positional_.empty() ? 0 : 1;  // the declared one is fine
  const std::string tok = stray.size() > first ? " '" + stray[first] + "'" : "";
  return "unexpected argument" + tok + " (every value needs its --option)";
}

void CommandSpec::check_tokens(const po::parsed_options& parsed) const {
  for (const auto& opt : parsed.options) {
    if (opt.position_key >= 0 || opt.string_key.empty()) {
      if (!positional_.empty() && opt.string_key == positional_) continue;
      const std::string tok = opt.original_tokens.empty() ? "" : opt.original_tokens.front();
      throw UsageError("unexpected argument '" + tok + "' (every value needs its --option)");
    }
    for (const auto& o : options_)
      if (o.unsigned_value && o.name == opt.string_key)
        for (const auto& v : opt.value)
          if (!v.empty() && v.front() == '-')
            throw UsageError("--" + o.name + " must not be negative (got " + v + ")");
  }
}

CommandSpec& CommandSpec::alias(const std::string& old, const std::string& name) {
  aliases_.emplace_back(old, name);
  return *this;
}

Args CommandSpec::parse(const std::vector<std::string>& given) const {
  std::vector<std::string> args = given;
  for (auto& a : args)  // --old V and --old=V become --name V / --name=V
    for (const auto& [old, name] : aliases_)
      if (a == "--" + old || a.rfind("--" + old + "=", 0) == 0)
        a = "--" + name + a.substr(2 + old.size());
  po::variables_map vm;
  try {
    // No abbreviations: `--budg 3` is a typo, not --budget.
    const int style =
        po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    auto parser = po::command_line_parser(args).options(desc_).style(style);
    po::positional_options_description pos;
    if (!positional_.empty()) pos.add(positional_.c_str(), 1);
    parser.positional(pos);  // an empty description: a stray positional is an error below
    const po::parsed_options parsed = parser.run();
    check_tokens(parsed);
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::unknown_option& e) {
    throw UsageError(unknown_option_message(e, desc_));
  } catch (const po::too_many_positional_options_error&) {
    throw UsageError(stray_argument_message(args));
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  // Required options first, in declaration order, then the checks.
  for (const auto& o : options_)
    if (o.required && !vm.count(o.name)) throw UsageError("--" + o.name + " is required");
  for (const auto& o : options_)
    if (o.check)
      if (const std::string e = o.check(vm); !e.empty())
        throw UsageError("--" + o.name + (e.front() == ':' ? "" : " ") + e);
  return Args(std::move(vm));
}

std::string nearest(const std::string& typed, const std::vector<std::string>& choices) {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(2, typed.size() / 3) + 1;
  for (const auto& c : choices) {
    // Levenshtein distance, one row at a time.
    std::vector<std::size_t> row(c.size() + 1);
    for (std::size_t j = 0; j <= c.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= typed.size(); ++i) {
      std::size_t diag = row[0];
      row[0] = i;
      for (std::size_t j = 1; j <= c.size(); ++j) {
        const std::size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (typed[i - 1] != c[j - 1])});
        diag = up;
      }
    }
    // A prefix of a longer name ("budg") is as good as a near miss.
    const std::size_t d = c.rfind(typed, 0) == 0 && !typed.empty() ? 1 : row[c.size()];
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

Check<std::string> not_empty() {
  return [](const std::string& x) -> std::string { return x.empty() ? "must not be empty" : ""; };
}

std::vector<std::string> split_commas(const std::string& value) {
  std::vector<std::string> out;
  std::stringstream s(value);
  for (std::string item; std::getline(s, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::string or_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return out;
}

Check<std::string> one_of(std::vector<std::string> choices) {
  return [choices = std::move(choices)](const std::string& x) -> std::string {
    for (const auto& c : choices)
      if (c == x) return "";
    std::string msg = "must be " + or_list(choices) + " (got '" + x + "')";
    if (const std::string n = nearest(x, choices); !n.empty()) msg += "; did you mean " + n + "?";
    return msg;
  };
}

}  // namespace coldstart::cli
