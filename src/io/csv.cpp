#include "coldstart/io/csv.hpp"

#include <string_view>

#include "coldstart/error.hpp"
#include "coldstart/io/file.hpp"

namespace coldstart::io {

std::optional<std::size_t> CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::nullopt;
}

std::size_t CsvTable::require_column(const std::string& name, const std::string& source) const {
  const auto c = column(name);
  COLDSTART_IO_CHECK(c.has_value(), source, "missing column '{}'", name);
  return *c;
}

CsvTable parse_csv(const std::string& text_in, const std::string& source) {
  // A leading UTF-8 byte-order mark (Excel's "CSV UTF-8") is not part of the first header name.
  const std::string_view bom = "\xEF\xBB\xBF";
  const std::string_view text = std::string_view(text_in).starts_with(bom)
                                    ? std::string_view(text_in).substr(bom.size())
                                    : std::string_view(text_in);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, field_started = false;
  std::size_t line = 1, quote_line = 0;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    if (!(record.size() == 1 && record[0].empty())) records.push_back(std::move(record));
    record.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (ch == '\n') ++line;
        field.push_back(ch);
      }
    } else if (ch == '"' && !field_started) {
      quoted = field_started = true;
      quote_line = line;
    } else if (ch == ',') {
      end_field();
    } else if (ch == '\n' || ch == '\r') {
      if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_record();
      ++line;
    } else {
      field.push_back(ch);
      field_started = true;
    }
  }
  COLDSTART_IO_CHECK(!quoted, source, "unterminated quoted field starting on line {}", quote_line);
  if (field_started || !record.empty()) end_record();
  COLDSTART_IO_CHECK(!records.empty(), source, "empty CSV (no header)");
  CsvTable t;
  t.header = std::move(records.front());
  for (std::size_t r = 1; r < records.size(); ++r) {
    COLDSTART_IO_CHECK(records[r].size() == t.header.size(), source,
                       "record {} has {} fields, header has {}", r + 1, records[r].size(),
                       t.header.size());
    t.rows.push_back(std::move(records[r]));
  }
  return t;
}

CsvTable read_csv(const std::string& path) { return parse_csv(read_file(path), path); }

std::string format_csv(const CsvTable& table) {
  std::string out;
  auto put_row = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out.push_back(',');
      const std::string& f = row[i];
      // A field that starts the text with a byte-order mark is quoted, or parse_csv would skip
      // the mark (found by tests/fuzz/csv_fuzz.cpp's round trip).
      const bool leading_bom = out.empty() && std::string_view(f).starts_with("\xEF\xBB\xBF");
      if (!leading_bom && f.find_first_of(",\"\n\r") == std::string::npos) {
        out += f;
      } else {
        out.push_back('"');
        for (char ch : f) {
          if (ch == '"') out.push_back('"');
          out.push_back(ch);
        }
        out.push_back('"');
      }
    }
    out.push_back('\n');
  };
  put_row(table.header);
  for (const auto& r : table.rows) put_row(r);
  return out;
}

void write_csv(const std::string& path, const CsvTable& table) {
  for (std::size_t r = 0; r < table.rows.size(); ++r)
    COLDSTART_IO_CHECK(table.rows[r].size() == table.header.size(), path,
                       "row {} has {} fields, header has {}", r, table.rows[r].size(),
                       table.header.size());
  atomic_write(path, format_csv(table));
}

}  // namespace coldstart::io
