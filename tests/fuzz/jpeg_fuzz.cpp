// libFuzzer harness: io::decode_jpeg (the parser behind io::read_jpeg).
#include <coldstart/io/image_file.hpp>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return coldstart::fuzz::run(
      data, size, [](std::string_view b) { (void)coldstart::io::decode_jpeg(b, "fuzz.jpg"); });
}
