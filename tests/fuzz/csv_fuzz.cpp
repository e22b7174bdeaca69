// libFuzzer harness: io::parse_csv (behind io::read_csv), a round trip through format_csv, and
// require_column as labels.csv readers call it.
#include <coldstart/io/csv.hpp>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return coldstart::fuzz::run(data, size, [](std::string_view b) {
    const auto t = coldstart::io::parse_csv(std::string(b), "fuzz.csv");
    const auto again = coldstart::io::parse_csv(coldstart::io::format_csv(t), "fuzz.csv");
    if (again.header != t.header || again.rows != t.rows) {
      std::fprintf(stderr, "fuzz: format_csv/parse_csv round trip changed the table\n");
      std::abort();
    }
    (void)t.require_column("id", "fuzz.csv");
  });
}
