#include "coldstart/io/limits.hpp"

#include <cstdlib>
#include <mutex>
#include <optional>

#include "coldstart/error.hpp"
#include "coldstart/io/npy.hpp"

namespace coldstart::io {
namespace {

std::mutex g_mutex;
std::optional<Limits> g_limits;

std::uint64_t from_env(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  std::uint64_t x = 0;
  const std::string s(v);
  bool ok = !s.empty() && s.size() <= 19;
  for (char ch : s) ok = ok && ch >= '0' && ch <= '9';
  if (ok) x = std::stoull(s);
  COLDSTART_CHECK(ok && x > 0, InvalidArgument,
                  "environment variable {}='{}' is not a positive integer", name, s);
  return x;
}

}  // namespace

Limits limits_from_environment() {
  Limits l;
  l.max_image_pixels = from_env("COLDSTART_MAX_IMAGE_PIXELS", l.max_image_pixels);
  l.max_array_bytes = from_env("COLDSTART_MAX_ARRAY_BYTES", l.max_array_bytes);
  return l;
}

Limits limits() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_limits) g_limits = limits_from_environment();
  return *g_limits;
}

void set_limits(const Limits& l) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_limits = l;
}

void check_image_pixels(const std::string& path, const char* what, std::uint64_t width,
                        std::uint64_t height) {
  COLDSTART_IO_CHECK(width > 0 && height > 0, path, "{} claims an empty image ({}x{})", what, width,
                     height);
  const std::uint64_t max = limits().max_image_pixels;
  // width, height < 2^32 in every format read here, so the product cannot overflow; still,
  // compare by division to stay exact for any input.
  COLDSTART_IO_CHECK(width <= max / height, path,
                     "{} claims {}x{} pixels, more than the limit of {} pixels (raise it with "
                     "COLDSTART_MAX_IMAGE_PIXELS or io::set_limits)",
                     what, width, height, max);
}

std::uint64_t checked_array_bytes(const std::string& path, const std::vector<std::size_t>& shape,
                                  std::size_t element_size) {
  const std::uint64_t max = limits().max_array_bytes;
  std::uint64_t bytes = element_size;
  bool zero = element_size == 0;
  for (std::size_t s : shape) zero = zero || s == 0;
  if (zero) return 0;
  for (std::size_t s : shape) {
    COLDSTART_IO_CHECK(s <= max / bytes, path,
                       "shape {} of {}-byte elements claims more than the limit of {} bytes "
                       "(raise it with COLDSTART_MAX_ARRAY_BYTES or io::set_limits)",
                       shape_text(shape), element_size, max);
    bytes *= s;
  }
  return bytes;
}

}  // namespace coldstart::io
