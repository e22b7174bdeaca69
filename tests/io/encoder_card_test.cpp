// Encoder card parsing (embed/encoder_card.hpp), core-library side of
// TorchScriptParams::from_card; the malformed cards are what tests/fuzz/card_fuzz.cpp found.
#include <coldstart/embed/encoder_card.hpp>

#include "support/testing.hpp"

namespace coldstart::embed {
namespace {

TEST(EncoderCard, PresetAndCustomPreprocessing) {
  const EncoderCard a = parse_encoder_card("{\"name\": \"xrv\", \"preset\": \"txrv\"}", "c.json");
  EXPECT_EQ(a.preprocessing.preset, "txrv");
  EXPECT_EQ(a.name, "xrv");
  const EncoderCard b = parse_encoder_card(
      "{\"preprocessing\": {\"preset\": \"custom\", \"size\": 64, \"channels\": 1, \"scale\": 1,"
      " \"offset\": 0, \"mean\": [0.5], \"std\": [0.25]}}",
      "c.json");
  EXPECT_EQ(b.preprocessing.size, 64);
  EXPECT_FLOAT_EQ(b.preprocessing.std[0], 0.25f);
  EXPECT_FALSE(b.name.has_value());
}

TEST(EncoderCard, NotAnObjectIsAnIoError) {  // was boost::system::system_error "not an object"
  EXPECT_THROW_MSG((void)parse_encoder_card("2", "c.json"), IoError,
                   "'c.json': malformed encoder card: expected a JSON object");
  EXPECT_THROW_MSG((void)parse_encoder_card("[]", "c.json"), IoError, "expected a JSON object");
}

std::string custom(const std::string& size, const std::string& channels, int entries) {
  std::string m;
  for (int i = 0; i < entries; ++i) m += (i ? ", " : "") + std::string("0.5");
  return "{\"preprocessing\": {\"preset\": \"custom\", \"size\": " + size +
         ", \"channels\": " + channels + ", \"scale\": 1, \"offset\": 0, \"mean\": [" + m +
         "], \"std\": [" + m + "]}}";
}

TEST(EncoderCard, ChannelsOutsideOneOrThreeAreRejectedBeforeIndexing) {
  // channels 5 with 5 mean/std entries wrote past the 3-element mean/std arrays.
  EXPECT_THROW_MSG((void)parse_encoder_card(custom("64", "5", 5), "c.json"), IoError,
                   "preprocessing.channels 5 is not 1 or 3");
}

TEST(EncoderCard, SizeOutsideIntRangeIsRejectedBeforeTheCast) {
  // 1e300 -> int is undefined behaviour (UBSan: float-cast-overflow).
  EXPECT_THROW_MSG((void)parse_encoder_card(custom("1e300", "1", 1), "c.json"), IoError,
                   "preprocessing.size 1e+300 is not an integer in [1, 4096]");
  EXPECT_THROW_MSG((void)parse_encoder_card(custom("2.5", "1", 1), "c.json"), IoError,
                   "preprocessing.size 2.5");
}

TEST(EncoderCard, MissingFieldNamesTheCard) {
  EXPECT_THROW_MSG((void)parse_encoder_card("{\"name\": \"x\"}", "c.json"), IoError,
                   "'c.json': malformed encoder card");
}

}  // namespace
}  // namespace coldstart::embed
