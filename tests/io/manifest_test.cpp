// JSON reading and writing (io/manifest.hpp): the cases tests/fuzz/json_fuzz.cpp found.
#include <cmath>
#include <coldstart/io/manifest.hpp>
#include <limits>

#include "support/testing.hpp"

namespace coldstart::io {
namespace {

TEST(Json, NonFiniteDoublesAreWrittenAsNull) {
  // "1e400" parses as infinity; serialize() wrote "Infinity", which no JSON parser reads back.
  const boost::json::value v = parse_json("{\"x\": 1e400, \"y\": [1, 1e400]}", "f.json");
  ASSERT_TRUE(std::isinf(v.at("x").as_double()));
  const std::string text = to_json_text(v);
  const boost::json::value again = parse_json(text, "f.json");
  EXPECT_TRUE(again.at("x").is_null()) << text;
  EXPECT_TRUE(again.at("y").as_array()[1].is_null()) << text;
  boost::json::object nan;
  nan["m"] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(to_json_text(nan), "{\n  \"m\": null\n}\n");
}

TEST(Json, ArraysOfPrimitivesStayOnOneLine) {
  EXPECT_EQ(to_json_text(parse_json("{\"a\": [1, \"b\", true, null, 2.5], \"e\": []}", "f")),
            "{\n  \"a\": [1,\"b\",true,null,2.5E0],\n  \"e\": []\n}\n");
}

TEST(Json, ParseErrorNamesTheSource) {
  EXPECT_THROW_MSG((void)parse_json("{\"a\": [1, 2,}", "run.json"), IoError,
                   "'run.json': invalid JSON");
}

}  // namespace
}  // namespace coldstart::io
