// libFuzzer harness: io::decode_png (the parser behind io::read_png).
#include <coldstart/io/png.hpp>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return coldstart::fuzz::run(
      data, size, [](std::string_view b) { (void)coldstart::io::decode_png(b, "fuzz.png"); });
}
