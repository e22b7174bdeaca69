#pragma once
// The parts of coldstart._torch (the LibTorch half of the Python package), one function per
// source file; module.cpp calls them in order. Built only with COLDSTART_WITH_TORCH, linked
// against coldstart::torch, which shares the core library (and so the registry) with _core.

#include <nanobind/nanobind.h>

namespace coldstart::python {

void bind_encoders(nanobind::module_& m);    // encoders.cpp
void bind_learners(nanobind::module_& m);    // learners.cpp
void bind_experiment(nanobind::module_& m);  // experiment.cpp

}  // namespace coldstart::python
