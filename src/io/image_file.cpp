#include "coldstart/io/image_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "coldstart/io/png.hpp"

namespace coldstart::io {

bool has_image_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".dcm" || ext == ".dicom";
}

Image read_image(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  COLDSTART_IO_CHECK(in.good(), path, "no such file");
  char head[132] = {0};
  in.read(head, sizeof head);
  const auto got = in.gcount();
  auto byte = [&](int i) { return static_cast<unsigned char>(head[i]); };
  if (got >= 8 && byte(0) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G')
    return read_png(path);
  if (got >= 3 && byte(0) == 0xFF && byte(1) == 0xD8) return read_jpeg(path);
  // DICOM Part 10: 128-byte preamble, then "DICM".
  if (got >= 132 && std::string(head + 128, 4) == "DICM") return read_dicom(path);
  COLDSTART_IO_CHECK(false, path, "unrecognised image format (expected PNG, JPEG or DICOM)");
  return {};
}

}  // namespace coldstart::io
