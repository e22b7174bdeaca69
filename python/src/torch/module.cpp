// coldstart._torch: encoders, learners and run_experiment, the parts of the library that need
// LibTorch. python/coldstart/_libtorch.py imports torch first, so LibTorch's shared libraries are
// the torch wheel's, already loaded, whatever the install's RPATH.
#include "../errors.hpp"
#include "bindings.hpp"

NB_MODULE(_torch, m) {
  m.doc() = "coldstart's LibTorch parts: TorchScript encoders, learners, run_experiment";
  m.attr("torch_version") = COLDSTART_TORCH_VERSION;  // the LibTorch it was built against
  coldstart::python::register_errors(m);
  coldstart::python::bind_encoders(m);
  coldstart::python::bind_learners(m);
  coldstart::python::bind_experiment(m);
}
