// Command-line options declared once: description, parsing and checks from one declaration.
#include "options.hpp"

#include <iostream>

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

Args CommandSpec::parse(const std::vector<std::string>& args) const {
  po::variables_map vm;
  try {
    auto parser = po::command_line_parser(args).options(desc_);
    po::positional_options_description pos;
    if (!positional_.empty()) {
      pos.add(positional_.c_str(), 1);
      parser.positional(pos);
    }
    po::store(parser.run(), vm);
    po::notify(vm);
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
    return "must be " + or_list(choices) + " (got '" + x + "')";
  };
}

}  // namespace coldstart::cli
