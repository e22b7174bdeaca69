// libFuzzer harness: embed::parse_encoder_card, the parser TorchScriptParams::from_card calls
// (the card loader itself is in the LibTorch library; its parsing is not).
#include <coldstart/embed/encoder_card.hpp>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return coldstart::fuzz::run(data, size, [](std::string_view b) {
    const auto card = coldstart::embed::parse_encoder_card(b, "fuzz.json");
    card.preprocessing.validate();
  });
}
