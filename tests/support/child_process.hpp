#pragma once
// Runs one test of the current test binary in a child process, for tests that kill a run
// (SIGKILL, as a crash or `kill -9` would) and then check what it left behind.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace coldstart::testing {

/// Runs `/proc/self/exe --gtest_filter=<test>` (disabled tests included) with this process's
/// environment plus `env` ("NAME=value"), waits for it and returns its wait status (-1 when it
/// could not be started).
inline int run_child_test(const std::string& test, const std::vector<std::string>& env) {
  std::string self = "/proc/self/exe", filter = "--gtest_filter=" + test,
              also = "--gtest_also_run_disabled_tests";
  char* argv[] = {self.data(), filter.data(), also.data(), nullptr};
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
  env_store.insert(env_store.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv, envp.data()) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return status;
}

/// True when the wait status says SIGKILL ended the child.
inline bool killed_by_sigkill(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == 9; }

}  // namespace coldstart::testing
