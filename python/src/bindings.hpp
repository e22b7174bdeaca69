#pragma once
// The parts of coldstart._core, one function per source file (module.cpp calls them in order).

#include <nanobind/nanobind.h>

namespace coldstart::python {

void bind_cluster(nanobind::module_& m);   // cluster.cpp
void bind_registry(nanobind::module_& m);  // registry.cpp

}  // namespace coldstart::python
