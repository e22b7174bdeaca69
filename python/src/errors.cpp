// Exception translation and the interrupt poll (errors.hpp).
#include "errors.hpp"

#include "coldstart/error.hpp"
#include "coldstart/interrupt.hpp"

namespace coldstart::python {

namespace nb = nanobind;

namespace {

bool python_signal_pending() {
  nb::gil_scoped_acquire gil;
  // Runs Python's signal handlers; only the main thread's do anything. A handler that raises
  // (SIGINT → KeyboardInterrupt) leaves the error set and returns -1.
  return PyErr_CheckSignals() != 0;
}

void set_os_error(const IoError& e) {
  // OSError(message) with .filename, so str(err) is the library's message unchanged.
  nb::object err = nb::handle(PyExc_OSError)(e.what());
  if (!e.path().empty()) err.attr("filename") = nb::str(e.path().c_str(), e.path().size());
  PyErr_SetObject(PyExc_OSError, err.ptr());
}

}  // namespace

void register_errors(nb::module_&) {
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const Interrupted& e) {
      if (!PyErr_Occurred()) PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
    } catch (const IoError& e) {
      set_os_error(e);
    } catch (const InvalidArgument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const NumericError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
}

void install_interrupt_poll() { set_interrupt_poll(&python_signal_pending); }

}  // namespace coldstart::python
