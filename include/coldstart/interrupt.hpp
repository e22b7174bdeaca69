#pragma once
// Cooperative interruption of long calls. A front end that can be interrupted (the Python
// bindings: Ctrl-C) installs a poll; the long loops (k-means iterations, mini-batch steps,
// FasterPAM candidate blocks) call check_interrupt() once per step, outside parallel regions, and
// stop by throwing Interrupted. Without a poll the check is one atomic load.

#include "coldstart/error.hpp"

namespace coldstart {

/// Thrown by check_interrupt() when the installed poll asks to stop. Not a user error: the
/// front end that installed the poll turns it into its own signal (Python: KeyboardInterrupt).
class Interrupted : public Error {
 public:
  using Error::Error;
};

/// Returns true when the current call should stop. Called on the thread that made the long call,
/// never from inside an OpenMP parallel region.
using InterruptPoll = bool (*)();

/// Installs `poll` for the whole process (nullptr removes it); returns the previous one.
InterruptPoll set_interrupt_poll(InterruptPoll poll) noexcept;

/// Throws Interrupted("<where>: interrupted") when the installed poll returns true.
void check_interrupt(const char* where);

}  // namespace coldstart
