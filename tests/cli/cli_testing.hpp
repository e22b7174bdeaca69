#pragma once
// Runs the built `coldstart` executable in a shell and captures its exit code, stdout and stderr.

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/testing.hpp"

namespace coldstart::testing {

struct CliResult {
  int code = -1;
  std::string out, err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// True when `s` contains `what` (for checking stdout/stderr text).
inline bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

/// The caches' folder (XDG_CACHE_HOME) of the tools this test process runs, removed when the
/// process exits: the frozen modules saved there are as large as the models.
inline const std::filesystem::path& cli_cache_home() {
  struct Home {
    std::filesystem::path path;
    ~Home() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Home home{std::filesystem::temp_directory_path() /
                         ("coldstart_cli_cache_" + std::to_string(::getpid()))};
  return home.path;
}

/// Runs `coldstart args...` with stdin closed and stdout/stderr redirected to files (so stderr is
/// not a terminal). `env` entries ("NAME=value") are set for the child only.
inline CliResult run_cli(const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {}) {
#ifndef COLDSTART_CLI_EXE
  ADD_FAILURE() << "COLDSTART_CLI_EXE not defined";
  return {};
#else
  static int counter = 0;
  const auto base =
      std::filesystem::temp_directory_path() /
      ("coldstart_cli_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  const std::string out = base.string() + ".out", err = base.string() + ".err";
  // Each test process gets its own caches, so runs never see another run's cache.
  std::string cmd = "env " + shell_quote("XDG_CACHE_HOME=" + cli_cache_home().string());
  for (const auto& e : env) cmd += " " + shell_quote(e);
  cmd += " " + shell_quote(COLDSTART_CLI_EXE);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " </dev/null >" + shell_quote(out) + " 2>" + shell_quote(err);
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
#endif
}

}  // namespace coldstart::testing
