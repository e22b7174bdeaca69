#pragma once
// The JSON card written beside an exported encoder (tools/export_*.py, train_simclr): parsed in
// the core library, without LibTorch, so TorchScriptParams::from_card and the fuzz harness
// (tests/fuzz/card_fuzz.cpp) run the same code.

#include <optional>
#include <string>
#include <string_view>

#include "coldstart/embed/preprocessing.hpp"

namespace coldstart::embed {

struct EncoderCard {
  Preprocessing preprocessing;      ///< the card's "preprocessing" object, or its "preset"
  std::optional<std::string> name;  ///< the card's "name", when present
};

/// Parses card JSON text. IoError naming `source` when the text is not JSON or a field is
/// missing or of the wrong type ("malformed encoder card: ...").
[[nodiscard]] EncoderCard parse_encoder_card(std::string_view json_text, const std::string& source);

}  // namespace coldstart::embed
