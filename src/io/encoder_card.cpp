// Encoder card parsing (include/coldstart/embed/encoder_card.hpp). Compiled into the core
// library: it needs Boost.JSON only, not LibTorch.

#include "coldstart/embed/encoder_card.hpp"

#include <boost/json/serialize.hpp>
#include <cmath>

#include "coldstart/error.hpp"
#include "coldstart/io/manifest.hpp"

namespace coldstart::embed {

EncoderCard parse_encoder_card(std::string_view json_text, const std::string& card_path) {
  const boost::json::value parsed = io::parse_json(json_text, card_path);
  COLDSTART_IO_CHECK(parsed.is_object(), card_path,
                     "malformed encoder card: expected a JSON object, found {}",
                     boost::json::serialize(parsed).substr(0, 40));
  const boost::json::object& card = parsed.get_object();
  EncoderCard out;
  try {
    if (const auto* pre = card.if_contains("preprocessing")) {
      const auto& o = pre->as_object();
      Preprocessing q;
      q.preset = std::string(o.at("preset").as_string());
      // Range-checked before the cast: a double outside int's range (1e300) is undefined
      // behaviour to convert, and channels indexes the 3-element mean/std arrays below.
      const double size = o.at("size").to_number<double>();
      const double channels = o.at("channels").to_number<double>();
      COLDSTART_IO_CHECK(size >= 1 && size <= 4096 && size == std::floor(size), card_path,
                         "malformed encoder card: preprocessing.size {} is not an integer in "
                         "[1, 4096]",
                         size);
      COLDSTART_IO_CHECK(channels == 1 || channels == 3, card_path,
                         "malformed encoder card: preprocessing.channels {} is not 1 or 3",
                         channels);
      q.size = static_cast<int>(size);
      q.channels = static_cast<int>(channels);
      q.scale = static_cast<float>(o.at("scale").to_number<double>());
      q.offset = static_cast<float>(o.at("offset").to_number<double>());
      const auto& m = o.at("mean").as_array();
      const auto& s = o.at("std").as_array();
      COLDSTART_IO_CHECK(
          static_cast<int>(m.size()) == q.channels && static_cast<int>(s.size()) == q.channels,
          card_path, "mean/std have {}/{} entries, expected {}", m.size(), s.size(), q.channels);
      for (int c = 0; c < q.channels; ++c) {
        q.mean[c] = static_cast<float>(m[c].to_number<double>());
        q.std[c] = static_cast<float>(s[c].to_number<double>());
      }
      out.preprocessing = q;
    } else {
      out.preprocessing = Preprocessing::from_preset(std::string(card.at("preset").as_string()));
    }
    if (const auto* n = card.if_contains("name")) out.name = std::string(n->as_string());
  } catch (const coldstart::Error&) {
    throw;
  } catch (const std::exception& e) {
    COLDSTART_IO_CHECK(false, card_path, "malformed encoder card: {}", e.what());
  }
  return out;
}

}  // namespace coldstart::embed
