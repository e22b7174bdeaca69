#include <coldstart/io/file.hpp>
#include <coldstart/io/npy.hpp>
#include <cstring>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

using coldstart::testing::TempDir;

// Builds an NPY v1.0 file by hand, as numpy would write it.
std::string npy_bytes(const std::string& descr, const std::string& order, const std::string& shape,
                      const std::string& body) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + order +
                       ", 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64) header.push_back(' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + body;
}

TEST(Npy, MatrixRoundTrip) {
  TempDir dir;
  RowMatrixXf x(3, 4);
  for (Index i = 0; i < 12; ++i) x.data()[i] = static_cast<float>(i) * 0.5f - 2.0f;
  write_npy(dir.file("x.npy"), x);
  EXPECT_EQ(read_npy_matrix(dir.file("x.npy")), x);
  const NpyArray raw = read_npy(dir.file("x.npy"));
  EXPECT_EQ(raw.shape, (std::vector<std::size_t>{3, 4}));
  EXPECT_EQ(raw.dtype, NpyDtype::kFloat32);
}

TEST(Npy, HeaderIsNumpyCompatible) {
  TempDir dir;
  write_npy(dir.file("v.npy"), std::vector<std::int64_t>{1, -2, 3});
  const std::string bytes = read_file(dir.file("v.npy"));
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_NE(bytes.find("'descr': '<i8', 'fortran_order': False, 'shape': (3,)"), std::string::npos);
  EXPECT_EQ((bytes.size() - 24) % 64, 0u);  // data aligned to 64 bytes
  const auto v = read_npy(dir.file("v.npy")).to_double();
  EXPECT_EQ(v, (std::vector<double>{1, -2, 3}));
}

TEST(Npy, ReadsEveryDtype) {
  TempDir dir;
  const double f64[2] = {1.5, -2.25};
  const std::int32_t i32[2] = {7, -8};
  const unsigned char u8[2] = {0, 255};
  coldstart::testing::write_text(dir.file("f8.npy"), npy_bytes("<f8", "False", "(1, 2)", std::string(reinterpret_cast<const char*>(f64), 16)));
  coldstart::testing::write_text(dir.file("i4.npy"), npy_bytes("<i4", "False", "(2,)", std::string(reinterpret_cast<const char*>(i32), 8)));
  coldstart::testing::write_text(dir.file("u1.npy"), npy_bytes("|u1", "False", "(2,)", std::string(reinterpret_cast<const char*>(u8), 2)));
  const RowMatrixXf m = read_npy_matrix(dir.file("f8.npy"));
  EXPECT_FLOAT_EQ(m(0, 1), -2.25f);
  EXPECT_EQ(read_npy(dir.file("i4.npy")).to_double(), (std::vector<double>{7, -8}));
  EXPECT_EQ(read_npy(dir.file("u1.npy")).to_double(), (std::vector<double>{0, 255}));
}

TEST(Npy, RejectsFortranOrder) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("f.npy"), npy_bytes("<f4", "True", "(1, 1)", std::string(4, '\0')));
  EXPECT_THROW_MSG((void)read_npy(dir.file("f.npy")), IoError, "Fortran-order");
}

TEST(Npy, RejectsBigEndian) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("b.npy"), npy_bytes(">f4", "False", "(1,)", std::string(4, '\0')));
  EXPECT_THROW_MSG((void)read_npy(dir.file("b.npy")), IoError, "big-endian dtype '>f4'");
}

TEST(Npy, RejectsObjectArrays) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("o.npy"), npy_bytes("|O", "False", "(1,)", std::string(8, '\0')));
  EXPECT_THROW_MSG((void)read_npy(dir.file("o.npy")), IoError, "object arrays");
}

TEST(Npy, RejectsWrongDtypeAndRank) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("c.npy"), npy_bytes("<c8", "False", "(1,)", std::string(8, '\0')));
  EXPECT_THROW_MSG((void)read_npy(dir.file("c.npy")), IoError, "unsupported dtype '<c8'");
  write_npy(dir.file("v.npy"), std::vector<std::int64_t>{1, 2});
  EXPECT_THROW_MSG((void)read_npy_matrix(dir.file("v.npy")), IoError, "expected a 2-D array");
}

TEST(Npy, RejectsTruncatedAndNonNpy) {
  TempDir dir;
  coldstart::testing::write_text(dir.file("t.npy"), npy_bytes("<f4", "False", "(10, 10)", std::string(12, '\0')));
  EXPECT_THROW_MSG((void)read_npy(dir.file("t.npy")), IoError, "truncated NPY data");
  coldstart::testing::write_text(dir.file("x.npy"), "hello");
  EXPECT_THROW_MSG((void)read_npy(dir.file("x.npy")), IoError, "not an NPY file");
  EXPECT_THROW_MSG((void)read_npy(dir.file("missing.npy")), IoError, "no such file");
}

TEST(Npy, NanOrInfNamesRowAndColumn) {
  TempDir dir;
  RowMatrixXf x = RowMatrixXf::Zero(4, 3);
  x(2, 1) = std::numeric_limits<float>::infinity();
  write_npy(dir.file("bad.npy"), x);
  EXPECT_THROW_MSG((void)read_npy_matrix(dir.file("bad.npy")), NumericError, "row 2, column 1 is inf");
  EXPECT_NO_THROW((void)read_npy_matrix(dir.file("bad.npy"), /*check_finite=*/false));
}

}  // namespace
}  // namespace coldstart::io
