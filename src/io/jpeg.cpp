#include <turbojpeg.h>

#include <memory>

#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"
#include "coldstart/io/limits.hpp"

namespace coldstart::io {

Image read_jpeg(const std::string& path) { return decode_jpeg(read_file(path), path); }

Image decode_jpeg(std::string_view bytes, const std::string& path) {
  COLDSTART_IO_CHECK(bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
                         static_cast<unsigned char>(bytes[1]) == 0xD8,
                     path, "not a JPEG file (bad signature)");
  std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
  COLDSTART_IO_CHECK(tj != nullptr, path, "cannot initialise the JPEG decoder");
  int width = 0, height = 0, subsamp = 0, colorspace = 0;
  auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
  COLDSTART_IO_CHECK(
      tjDecompressHeader3(tj.get(), src, bytes.size(), &width, &height, &subsamp, &colorspace) == 0,
      path, "cannot read JPEG header: {}", tjGetErrorStr2(tj.get()));
  check_image_pixels(path, "JPEG header", static_cast<std::uint64_t>(width),
                     static_cast<std::uint64_t>(height));
  const bool gray = colorspace == TJCS_GRAY;
  const int channels = gray ? 1 : 3;
  std::vector<unsigned char> raw(static_cast<std::size_t>(width) * height * channels);
  // tjDecompress2 returns -1 also for warnings such as a truncated file; treat both as errors
  // so a damaged scan is never embedded silently.
  COLDSTART_IO_CHECK(tjDecompress2(tj.get(), src, bytes.size(), raw.data(), width, 0, height,
                                   gray ? TJPF_GRAY : TJPF_RGB, TJFLAG_ACCURATEDCT) == 0,
                     path, "cannot decode JPEG: {}", tjGetErrorStr2(tj.get()));
  Image img{height, width, channels, 8, std::vector<float>(raw.size())};
  for (std::size_t i = 0; i < raw.size(); ++i) img.pixels[i] = raw[i] / 255.0f;
  return img;
}

}  // namespace coldstart::io
