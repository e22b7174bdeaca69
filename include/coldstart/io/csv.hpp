#pragma once
// RFC 4180 CSV: quoted fields, embedded commas, quotes and newlines.

#include <optional>
#include <string>
#include <vector>

namespace coldstart::io {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  /// Index of a header column, or nullopt.
  [[nodiscard]] std::optional<std::size_t> column(const std::string& name) const;
  /// Index of a required column; throws IoError naming the missing column and `source`.
  [[nodiscard]] std::size_t require_column(const std::string& name,
                                           const std::string& source) const;
};

/// Parses CSV text. The first record is the header; every row must have the header's width.
/// `source` names the origin in error messages. A leading UTF-8 byte-order mark is skipped.
[[nodiscard]] CsvTable parse_csv(const std::string& text, const std::string& source = "<text>");

/// Reads and parses a CSV file; IoError names the file and line on malformed input.
[[nodiscard]] CsvTable read_csv(const std::string& path);

/// Serialises, quoting fields that need it.
[[nodiscard]] std::string format_csv(const CsvTable& table);

/// Writes atomically (temporary file, fsync, rename).
void write_csv(const std::string& path, const CsvTable& table);

}  // namespace coldstart::io
