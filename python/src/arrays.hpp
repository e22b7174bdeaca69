#pragma once
// numpy ⇄ Eigen at the module boundary. Inputs: float32 C-contiguous 2-D arrays are viewed in place
// (no copy; python/coldstart/_arrays.py converts anything else first, so the rule lives in one
// place). Outputs: the moved C++ buffer becomes the numpy array's memory (no copy either).

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::python {

namespace nb = nanobind;

using MatrixIn = nb::ndarray<const float, nb::ndim<2>, nb::c_contig, nb::device::cpu>;
using IndexIn = nb::ndarray<const std::int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
// Row numbers cross as int64 arrays without conversion.
static_assert(std::is_same_v<Index, std::int64_t>);

/// The array's memory as an n×d view (no copy).
[[nodiscard]] inline Eigen::Map<const RowMatrixXf> view(const MatrixIn& a) {
  return {a.data(), static_cast<Index>(a.shape(0)), static_cast<Index>(a.shape(1))};
}

/// The array's memory as row numbers (no copy).
[[nodiscard]] inline std::span<const Index> span_of(const IndexIn& a) {
  return {reinterpret_cast<const Index*>(a.data()), a.shape(0)};
}

/// A numpy array that owns `value` (moved to the heap; freed when the array is collected).
template <class Scalar, class T>
[[nodiscard]] nb::ndarray<nb::numpy, Scalar> owning_array(
    T&& value, const Scalar* (*data)(const T&), std::initializer_list<std::size_t> shape) {
  auto* heap = new T(std::forward<T>(value));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<T*>(p); });
  return nb::ndarray<nb::numpy, Scalar>(const_cast<Scalar*>(data(*heap)), shape, owner);
}

template <class T>
[[nodiscard]] nb::ndarray<nb::numpy, T> to_numpy(std::vector<T>&& v) {
  const std::size_t n = v.size();
  return owning_array<T, std::vector<T>>(std::move(v),
                                         [](const std::vector<T>& h) { return h.data(); }, {n});
}

[[nodiscard]] inline nb::ndarray<nb::numpy, float> to_numpy(RowMatrixXf&& m) {
  const auto r = static_cast<std::size_t>(m.rows()), c = static_cast<std::size_t>(m.cols());
  return owning_array<float, RowMatrixXf>(std::move(m),
                                          [](const RowMatrixXf& h) { return h.data(); }, {r, c});
}

template <class Scalar>
[[nodiscard]] nb::ndarray<nb::numpy, Scalar> to_numpy(
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1>&& v) {
  using V = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  const auto n = static_cast<std::size_t>(v.size());
  return owning_array<Scalar, V>(std::move(v), [](const V& h) { return h.data(); }, {n});
}

}  // namespace coldstart::python
