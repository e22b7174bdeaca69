// The process-wide interrupt poll (interrupt.hpp). Kept in the shared library, so the library and
// every module loading it see one poll.
#include "coldstart/interrupt.hpp"

#include <omp.h>

#include <atomic>
#include <string>

namespace coldstart {
namespace {
std::atomic<InterruptPoll> g_poll{nullptr};
}  // namespace

InterruptPoll set_interrupt_poll(InterruptPoll poll) noexcept { return g_poll.exchange(poll); }

void check_interrupt(const char* where) {
  // Inside a parallel region a throw would terminate the process: the caller's loop checks again.
  if (omp_in_parallel()) return;
  const InterruptPoll poll = g_poll.load(std::memory_order_relaxed);
  if (poll != nullptr && poll()) throw Interrupted(std::string(where) + ": interrupted");
}

}  // namespace coldstart
