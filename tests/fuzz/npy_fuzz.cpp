// libFuzzer harness: io::parse_npy (the parser behind io::read_npy), then the conversions
// read_npy_matrix applies.
#include <coldstart/io/npy.hpp>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return coldstart::fuzz::run(data, size, [](std::string_view b) {
    const coldstart::io::NpyArray a = coldstart::io::parse_npy(b, "fuzz.npy");
    (void)a.to_double();
  });
}
