#pragma once
// Run manifests: a JSON object describing what produced an output (inputs' hashes, encoder,
// seed, version) so a pick can be traced and repeated. Backed by Boost.JSON.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace coldstart::io {

/// Library version string, e.g. "0.1.0".
[[nodiscard]] const char* version() noexcept;

/// A JSON object with the fields every manifest carries (tool, version, created_utc) filled in.
[[nodiscard]] boost::json::object make_manifest(const std::string& tool);

/// Pretty-printed JSON text. NaN and infinite doubles, which JSON cannot hold, are written as
/// null.
[[nodiscard]] std::string to_json_text(const boost::json::value& v);

/// Writes the JSON atomically.
void write_json(const std::string& path, const boost::json::value& v);

/// Parses JSON text; IoError naming `source` and the parse error.
[[nodiscard]] boost::json::value parse_json(std::string_view text, const std::string& source);

/// Reads a JSON file; IoError naming the file and parse error.
[[nodiscard]] boost::json::value read_json(const std::string& path);

/// Reads a JSON-lines file (one object per line, blank lines ignored).
[[nodiscard]] std::vector<boost::json::value> read_json_lines(const std::string& path);

}  // namespace coldstart::io
