#include "coldstart/io/npy.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "coldstart/io/file.hpp"
#include "coldstart/io/limits.hpp"

namespace coldstart::io {
namespace {

std::size_t dtype_size(NpyDtype t) {
  switch (t) {
    case NpyDtype::kFloat32:
    case NpyDtype::kInt32:
      return 4;
    case NpyDtype::kFloat64:
    case NpyDtype::kInt64:
      return 8;
    case NpyDtype::kUint8:
      return 1;
  }
  return 0;
}

const char* dtype_descr(NpyDtype t) {
  switch (t) {
    case NpyDtype::kFloat32:
      return "<f4";
    case NpyDtype::kFloat64:
      return "<f8";
    case NpyDtype::kInt32:
      return "<i4";
    case NpyDtype::kInt64:
      return "<i8";
    case NpyDtype::kUint8:
      return "|u1";
  }
  return "";
}

// Value of `key` in the header dict, e.g. 'descr': '<f4' -> "'<f4'".
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  const auto k = header.find("'" + key + "'");
  COLDSTART_IO_CHECK(k != std::string::npos, path, "NPY header has no '{}' field: {}", key, header);
  auto p = header.find(':', k);
  COLDSTART_IO_CHECK(p != std::string::npos, path, "malformed NPY header: {}", header);
  ++p;
  while (p < header.size() && header[p] == ' ') ++p;
  std::size_t end = p;
  if (header[p] == '(') {
    end = header.find(')', p);
    COLDSTART_IO_CHECK(end != std::string::npos, path, "malformed NPY shape: {}", header);
    ++end;
  } else if (header[p] == '\'') {
    end = header.find('\'', p + 1);
    COLDSTART_IO_CHECK(end != std::string::npos, path, "malformed NPY header: {}", header);
    ++end;
  } else {
    while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  }
  return header.substr(p, end - p);
}

}  // namespace

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += std::to_string(shape[i]) + (shape.size() == 1 ? "," : i + 1 < shape.size() ? ", " : "");
  return s + ")";
}

std::size_t NpyArray::size() const noexcept {
  std::size_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

std::vector<double> NpyArray::to_double() const {
  const std::size_t n = size();
  std::vector<double> out(n);
  const unsigned char* p = bytes.data();
  for (std::size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case NpyDtype::kFloat32: {
        float v;
        std::memcpy(&v, p + 4 * i, 4);
        out[i] = v;
        break;
      }
      case NpyDtype::kFloat64:
        std::memcpy(&out[i], p + 8 * i, 8);
        break;
      case NpyDtype::kInt32: {
        std::int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        out[i] = v;
        break;
      }
      case NpyDtype::kInt64: {
        std::int64_t v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = static_cast<double>(v);
        break;
      }
      case NpyDtype::kUint8:
        out[i] = p[i];
        break;
    }
  }
  return out;
}

NpyArray read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

NpyHeader parse_npy_header(std::string_view data, const std::string& path) {
  COLDSTART_IO_CHECK(data.size() >= 10 && data.compare(0, 6, "\x93NUMPY") == 0, path,
                     "not an NPY file (bad magic)");
  const int major = static_cast<unsigned char>(data[6]);
  std::size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(data[8]) | (static_cast<unsigned char>(data[9]) << 8);
    offset = 10;
  } else {
    COLDSTART_IO_CHECK(major == 2 || major == 3, path, "unsupported NPY version {}", major);
    COLDSTART_IO_CHECK(data.size() >= 12, path, "truncated NPY header");
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<std::size_t>(static_cast<unsigned char>(data[8 + i])) << (8 * i);
    offset = 12;
  }
  COLDSTART_IO_CHECK(data.size() >= offset + header_len, path, "truncated NPY header");
  const std::string header(data.substr(offset, header_len));

  NpyHeader out;
  const std::string descr = dict_value(header, "descr", path);
  const std::string order = dict_value(header, "fortran_order", path);
  const std::string shape = dict_value(header, "shape", path);
  COLDSTART_IO_CHECK(order.rfind("False", 0) == 0, path,
                     "Fortran-order arrays are not supported (save with np.ascontiguousarray)");
  if (descr == "'<f4'")
    out.dtype = NpyDtype::kFloat32;
  else if (descr == "'<f8'")
    out.dtype = NpyDtype::kFloat64;
  else if (descr == "'<i4'")
    out.dtype = NpyDtype::kInt32;
  else if (descr == "'<i8'")
    out.dtype = NpyDtype::kInt64;
  else if (descr == "'|u1'" || descr == "'<u1'")
    out.dtype = NpyDtype::kUint8;
  else if (!descr.empty() && descr[1] == '>')
    COLDSTART_IO_CHECK(false, path, "big-endian dtype {} is not supported", descr);
  else if (descr.find('O') != std::string::npos)
    COLDSTART_IO_CHECK(false, path, "object arrays are not supported (dtype {})", descr);
  else
    COLDSTART_IO_CHECK(false, path,
                       "unsupported dtype {} (expected float32, float64, int32, int64 or uint8)",
                       descr);
  // Shape "(3, 4)", "(5,)" or "()": non-negative decimal integers only (std::stoull would
  // accept "-20" as 2^64 - 20).
  COLDSTART_IO_CHECK(shape.size() >= 2 && shape.front() == '(' && shape.back() == ')', path,
                     "malformed NPY shape {}", shape);
  std::string dims = shape.substr(1, shape.size() - 2);
  std::stringstream ss(dims);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const auto b = item.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    const auto e = item.find_last_not_of(' ');
    const std::string digits = item.substr(b, e - b + 1);
    bool ok = !digits.empty() && digits.size() <= 19;
    for (char ch : digits) ok = ok && ch >= '0' && ch <= '9';
    COLDSTART_IO_CHECK(ok, path, "malformed NPY shape {} (dimension '{}')", shape, digits);
    out.shape.push_back(static_cast<std::size_t>(std::stoull(digits)));
  }
  out.data_bytes = checked_array_bytes(path, out.shape, dtype_size(out.dtype));
  out.data_offset = offset + header_len;
  return out;
}

NpyHeader read_npy_header(const std::string& path) {
  check_is_file(path);
  std::ifstream in(path, std::ios::binary);
  COLDSTART_IO_CHECK(in.good(), path, "cannot open for reading");
  std::string head(65536 + 12, '\0');  // the longest header a 2-byte or 4-byte length allows here
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return parse_npy_header(head, path);
}

NpyArray parse_npy(std::string_view data, const std::string& path) {
  const NpyHeader h = parse_npy_header(data, path);
  const std::size_t body = h.data_offset, nbytes = h.data_bytes;
  COLDSTART_IO_CHECK(data.size() - body >= nbytes, path,
                     "truncated NPY data: shape {} needs {} bytes, file has {}",
                     shape_text(h.shape), nbytes, data.size() - body);
  NpyArray out;
  out.shape = h.shape;
  out.dtype = h.dtype;
  out.bytes.assign(data.begin() + static_cast<std::ptrdiff_t>(body),
                   data.begin() + static_cast<std::ptrdiff_t>(body + nbytes));
  return out;
}

RowMatrixXf read_npy_matrix(const std::string& path, bool check_finite) {
  const NpyArray a = read_npy(path);
  COLDSTART_IO_CHECK(a.shape.size() == 2, path, "expected a 2-D array (n×d), found {} dims",
                     a.shape.size());
  constexpr auto kMaxIndex = static_cast<std::size_t>(std::numeric_limits<Index>::max());
  COLDSTART_IO_CHECK(a.shape[0] <= kMaxIndex && a.shape[1] <= kMaxIndex, path,
                     "array shape ({}, {}) does not fit a matrix", a.shape[0], a.shape[1]);
  const auto n = static_cast<Index>(a.shape[0]);
  const auto d = static_cast<Index>(a.shape[1]);
  RowMatrixXf x(n, d);
  if (a.dtype == NpyDtype::kFloat32) {
    if (!a.bytes.empty()) std::memcpy(x.data(), a.bytes.data(), a.bytes.size());
  } else {
    const auto v = a.to_double();
    for (Index i = 0; i < n * d; ++i) x.data()[i] = static_cast<float>(v[i]);
  }
  if (check_finite)
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < d; ++j)
        if (!std::isfinite(x(i, j)))
          throw NumericError(detail::format("io::read_npy_matrix: '{}': row {}, column {} is {}",
                                            path, i, j, x(i, j)));
  return x;
}

std::string npy_header(const std::vector<std::size_t>& shape, NpyDtype dtype,
                       std::size_t alignment) {
  std::string header = std::string("{'descr': '") + dtype_descr(dtype) +
                       "', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // Pad so that the data starts on an `alignment`-byte boundary (numpy: 64).
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((alignment - unpadded % alignment) % alignment, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header;
}

void write_npy(const std::string& path, const NpyArray& array) {
  COLDSTART_IO_CHECK(array.bytes.size() == array.size() * dtype_size(array.dtype), path,
                     "array holds {} bytes, shape needs {}", array.bytes.size(),
                     array.size() * dtype_size(array.dtype));
  std::string out = npy_header(array.shape, array.dtype, 64);
  out.append(reinterpret_cast<const char*>(array.bytes.data()), array.bytes.size());
  atomic_write(path, out);
}

void write_npy(const std::string& path, const Eigen::Ref<const RowMatrixXf>& x) {
  NpyArray a;
  a.shape = {static_cast<std::size_t>(x.rows()), static_cast<std::size_t>(x.cols())};
  a.dtype = NpyDtype::kFloat32;
  a.bytes.resize(a.size() * 4);
  for (Index i = 0; i < x.rows(); ++i)
    std::memcpy(a.bytes.data() + i * x.cols() * 4, x.row(i).data(), x.cols() * 4);
  write_npy(path, a);
}

void write_npy(const std::string& path, const std::vector<std::int64_t>& v) {
  NpyArray a;
  a.shape = {v.size()};
  a.dtype = NpyDtype::kInt64;
  a.bytes.resize(v.size() * 8);
  if (!v.empty()) std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
  write_npy(path, a);
}

}  // namespace coldstart::io
