#pragma once
// The library's exceptions as Python exceptions, and the Ctrl-C poll of long calls.

#include <nanobind/nanobind.h>

namespace coldstart::python {

/// InvalidArgument, NumericError → ValueError; IoError → OSError (filename set);
/// Interrupted → the pending KeyboardInterrupt; BackendError and other Errors → RuntimeError.
void register_errors(nanobind::module_& m);

/// Installs the library's interrupt poll: Python's pending signals, checked with the GIL taken
/// once per step of a long call, so Ctrl-C stops a fit that runs without the GIL.
void install_interrupt_poll();

}  // namespace coldstart::python
