// Tests for the streaming JSON writer and the UTF-8 decoder it shares with the escaper.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "output/json_writer.hpp"
#include "output/utf8.hpp"

namespace pidns {
namespace {

TEST(JsonWriter, IndentsLikeDumpTwoAndKeepsNumberArraysOnOneLine) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("a");
  w.number(1);
  w.key("b");
  w.begin_array();
  w.begin_object();
  w.key("nstgid");
  w.numbers(std::vector<int>{7, 3, 1});
  w.key("none");
  w.null();
  w.end_object();
  w.end_array();
  w.key("empty");
  w.begin_array();
  w.end_array();
  w.key("obj");
  w.begin_object();
  w.end_object();
  w.key("t");
  w.boolean(true);
  w.end_object();
  EXPECT_EQ(out,
            "{\n"
            "  \"a\": 1,\n"
            "  \"b\": [\n"
            "    {\n"
            "      \"nstgid\": [7, 3, 1],\n"
            "      \"none\": null\n"
            "    }\n"
            "  ],\n"
            "  \"empty\": [],\n"
            "  \"obj\": {},\n"
            "  \"t\": true\n"
            "}");
}

std::string json_string(std::string_view text) {
  std::string out;
  JsonWriter(out).string(text);
  return out;
}

TEST(JsonWriter, CopiesPlainAsciiAndEscapesEverythingElse) {
  EXPECT_EQ(json_string("kworker/0:1"), "\"kworker/0:1\"");
  EXPECT_EQ(nlohmann::json::parse(json_string("a\"b\\c\nd\x01\x1b[2J")), "a\"b\\c\nd\x01\x1b[2J");
  EXPECT_EQ(nlohmann::json::parse(json_string("résumé 文档")), "résumé 文档");
}

TEST(JsonWriter, ReplacesBytesThatAreNotUtf8AsPythonDoes) {
  // One U+FFFD per maximal subpart: a cut-off sequence is one error, then the byte that broke it
  // is read again.
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(nlohmann::json::parse(json_string("bad\xFFname")), "bad" + fffd + "name");
  EXPECT_EQ(nlohmann::json::parse(json_string("\xE2\x80"
                                              "A")),
            fffd + "A");
  EXPECT_EQ(nlohmann::json::parse(json_string("\xC3")), fffd);
  EXPECT_EQ(nlohmann::json::parse(json_string("\xF0\x80\x80")), fffd + fffd + fffd);
}

TEST(NextUtf8, DecodesWholeSequences) {
  EXPECT_EQ(next_utf8("A", 0).code_point, U'A');
  Utf8Step euro = next_utf8("\xE2\x82\xAC", 0);
  EXPECT_TRUE(euro.valid);
  EXPECT_EQ(euro.length, 3u);
  EXPECT_EQ(euro.code_point, U'\u20AC');
  EXPECT_EQ(next_utf8("\xF0\x9F\x99\x82", 0).code_point, U'\U0001F642');
}

TEST(NextUtf8, MeasuresTheMaximalSubpartOfBadSequences) {
  struct Case {
    const char* bytes;
    std::size_t length;
  };
  for (Case c : {Case{"\xFF", 1},
                 {"\x80", 1},
                 {"\xC0\xAF", 1},
                 {"\xE2\x80"
                  "A",
                  2},
                 {"\xE2\x80", 2},
                 {"\xE0\x80\x80", 1},
                 {"\xED\xA0\x80", 1},
                 {"\xF0\x90\x80", 3},
                 {"\xF4\x90\x80\x80", 1},
                 {"\xF5\x80", 1}}) {
    Utf8Step step = next_utf8(c.bytes, 0);
    EXPECT_FALSE(step.valid) << c.bytes;
    EXPECT_EQ(step.length, c.length) << c.bytes;
  }
}

}  // namespace
}  // namespace pidns
