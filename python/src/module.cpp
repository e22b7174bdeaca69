// coldstart._core: the nanobind module under the `coldstart` Python package (python/coldstart).
#include "bindings.hpp"
#include "errors.hpp"

NB_MODULE(_core, m) {
  m.doc() = "coldstart's C++ library: clustering, selectors and acquisition functions";
  coldstart::python::register_errors(m);
  coldstart::python::install_interrupt_poll();
  coldstart::python::bind_cluster(m);
  coldstart::python::bind_registry(m);
}
