#pragma once
// Shared by the harnesses: a reader may reject bytes only with a coldstart::Error (IoError,
// InvalidArgument, ...); any other exception escaping is a finding, so it aborts with its
// message, and so do ASan/UBSan reports and crashes.

#include <coldstart/error.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

namespace coldstart::fuzz {

template <class F>
int run(const std::uint8_t* data, std::size_t size, F&& read) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    read(bytes);
  } catch (const coldstart::Error&) {
    // Rejected with a coldstart error: the expected outcome for malformed input.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: exception other than coldstart::Error escaped: %s\n", e.what());
    std::abort();
  }
  return 0;
}

}  // namespace coldstart::fuzz
