#include <coldstart/io/csv.hpp>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

TEST(Csv, QuotedFieldsRoundTrip) {
  CsvTable t{{"id", "note"}, {{"a", "plain"}, {"b", "has, comma"}, {"c", "say \"hi\"\nnext"}}};
  const std::string text = format_csv(t);
  const CsvTable back = parse_csv(text);
  EXPECT_EQ(back.header, t.header);
  EXPECT_EQ(back.rows, t.rows);
}

TEST(Csv, CrLfAndMissingFinalNewline) {
  const CsvTable t = parse_csv("id,label\r\nx,1\r\ny,0");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[1][0], "y");
  EXPECT_EQ(t.rows[1][1], "0");
}

TEST(Csv, RaggedRowNamesRecord) {
  EXPECT_THROW_MSG((void)parse_csv("a,b\n1,2\n3\n", "labels.csv"), IoError,
                   "'labels.csv': record 3 has 1 fields, header has 2");
}

TEST(Csv, UnterminatedQuote) {
  EXPECT_THROW_MSG((void)parse_csv("a\n\"open\n", "f.csv"), IoError, "unterminated quoted field");
}

TEST(Csv, RequireColumn) {
  const CsvTable t = parse_csv("id,label\n");
  EXPECT_EQ(t.require_column("label", "f.csv"), 1u);
  EXPECT_THROW_MSG((void)t.require_column("split", "f.csv"), IoError, "missing column 'split'");
}

TEST(Csv, LeadingUtf8ByteOrderMarkIsSkipped) {  // D9
  const CsvTable t = parse_csv("\xEF\xBB\xBFid,label\r\nx,1\r\n", "f.csv");
  EXPECT_EQ(t.header, (std::vector<std::string>{"id", "label"}));
  EXPECT_EQ(t.require_column("id", "f.csv"), 0u);
  coldstart::testing::TempDir dir;
  const std::string path = dir.file("labels.csv");
  coldstart::testing::write_text(path, "\xEF\xBB\xBFid,label\nx,1\n");
  EXPECT_EQ(read_csv(path).require_column("id", path), 0u);
  // Only a leading mark: one inside a field is data.
  EXPECT_EQ(parse_csv("a,\xEF\xBB\xBF"
                      "b\n")
                .header[1],
            "\xEF\xBB\xBF"
            "b");
}

TEST(Csv, HeaderStartingWithByteOrderMarkRoundTrips) {  // found by tests/fuzz/csv_fuzz.cpp
  const CsvTable t{{"\xEF\xBB\xBFid", "x"}, {{"1", "2"}}};
  const std::string text = format_csv(t);
  EXPECT_EQ(parse_csv(text).header, t.header);
  EXPECT_EQ(parse_csv(format_csv(parse_csv("\xEF\xBB\xBF\xEF\xBB\xBFid\n"))).header[0],
            "\xEF\xBB\xBFid");
}

TEST(Csv, FileRoundTripAndMissingFile) {
  coldstart::testing::TempDir dir;
  CsvTable t{{"x"}, {{"1"}, {"2"}}};
  write_csv(dir.file("t.csv"), t);
  EXPECT_EQ(read_csv(dir.file("t.csv")).rows, t.rows);
  EXPECT_THROW_MSG((void)read_csv(dir.file("none.csv")), IoError, "none.csv': no such file");
}

}  // namespace
}  // namespace coldstart::io
