#pragma once
// NumPy .npy files (format 1.0/2.0/3.0, C order, little-endian), so embeddings and probability
// arrays move between coldstart and numpy without conversion.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::io {

enum class NpyDtype { kFloat32, kFloat64, kInt32, kInt64, kUint8 };

/// A raw array as stored: shape, element type and little-endian bytes.
struct NpyArray {
  std::vector<std::size_t> shape;
  NpyDtype dtype = NpyDtype::kFloat32;
  std::vector<unsigned char> bytes;

  [[nodiscard]] std::size_t size() const noexcept;  ///< number of elements
  /// Elements converted to double, in C order.
  [[nodiscard]] std::vector<double> to_double() const;
};

/// The header of an .npy file: shape, element type, where the data starts and how long it is.
struct NpyHeader {
  std::vector<std::size_t> shape;
  NpyDtype dtype = NpyDtype::kFloat32;
  std::size_t data_offset = 0;  ///< bytes before the data (magic, version, header dict)
  std::size_t data_bytes = 0;   ///< product of the shape × element size (checked for overflow)
};

/// Parses the header at the start of `data` (the whole file or its first bytes); the same checks
/// as read_npy except the data length. `source` names the file in errors.
[[nodiscard]] NpyHeader parse_npy_header(std::string_view data, const std::string& source);

/// The header of the .npy file at `path` (reads only its first bytes). IoError names the file.
[[nodiscard]] NpyHeader read_npy_header(const std::string& path);

/// "(3, 4)", "(5,)", "()": a shape as numpy writes it.
[[nodiscard]] std::string shape_text(const std::vector<std::size_t>& shape);

/// The bytes of a version-1.0 header for `shape`/`dtype`, padded so that the data starts at a
/// multiple of `alignment` (64 as numpy; 4096 for shards mapped back to back, io/mapped_npy.hpp).
[[nodiscard]] std::string npy_header(const std::vector<std::size_t>& shape, NpyDtype dtype,
                                     std::size_t alignment);

/// Reads an .npy file. Rejects Fortran order, big-endian data, object and unsupported dtypes
/// with an IoError naming the file and the dtype/order it found, and a shape whose data would
/// exceed io::limits().max_array_bytes (or overflow) before allocating anything.
[[nodiscard]] NpyArray read_npy(const std::string& path);

/// read_npy on bytes in memory; `source` names them in error messages.
[[nodiscard]] NpyArray parse_npy(std::string_view data, const std::string& source);

/// Reads a 2-D numeric array as an n×d float matrix. Throws IoError if the array is not 2-D and
/// NumericError (naming row and column) if `check_finite` and an element is NaN/Inf.
[[nodiscard]] RowMatrixXf read_npy_matrix(const std::string& path, bool check_finite = true);

/// Writes arrays atomically (temporary file, fsync, rename).
void write_npy(const std::string& path, const NpyArray& array);
void write_npy(const std::string& path, const Eigen::Ref<const RowMatrixXf>& x);
void write_npy(const std::string& path, const std::vector<std::int64_t>& v);

}  // namespace coldstart::io
