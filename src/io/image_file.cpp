#include "coldstart/io/image_file.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>

#include "coldstart/io/png.hpp"

namespace coldstart::io {

namespace fs = std::filesystem;

bool has_image_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".dcm" || ext == ".dicom";
}

ImageRef parse_image_ref(const std::string& ref) {
  std::error_code ec;
  const auto hash = ref.rfind('#');
  if (hash == std::string::npos || hash == 0 || fs::exists(ref, ec)) return {ref, 0};
  int n = 0;
  const char* end = ref.data() + ref.size();
  const auto [at, err] = std::from_chars(ref.data() + hash + 1, end, n);
  if (err != std::errc() || at != end || n < 1 || hash + 1 == ref.size()) return {ref, 0};
  return {ref.substr(0, hash), n - 1};
}

std::string frame_ref(const std::string& file, int frame) {
  return file + "#" + std::to_string(frame + 1);
}

Image read_image(const std::string& ref) {
  const auto [path, frame] = parse_image_ref(ref);
  std::ifstream in(path, std::ios::binary);
  COLDSTART_IO_CHECK(in.good(), path, "no such file");
  char head[132] = {0};
  in.read(head, sizeof head);
  const auto got = in.gcount();
  auto byte = [&](int i) { return static_cast<unsigned char>(head[i]); };
  const bool dicom = got >= 132 && std::string_view(head + 128, 4) == "DICM";
  COLDSTART_IO_CHECK(frame == 0 || dicom, path, "frame {} requested of a file that is not DICOM",
                     frame + 1);
  if (got >= 8 && byte(0) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G')
    return read_png(path);
  if (got >= 3 && byte(0) == 0xFF && byte(1) == 0xD8) return read_jpeg(path);
  // DICOM Part 10: 128-byte preamble, then "DICM".
  if (dicom) return read_dicom(path, {.frame = frame});
  COLDSTART_IO_CHECK(false, path, "unrecognised image format (expected PNG, JPEG or DICOM)");
  return {};
}

}  // namespace coldstart::io
