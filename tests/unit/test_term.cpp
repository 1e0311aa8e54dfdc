// Tests for color decisions and the escaping of untrusted names.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "app/environment.hpp"
#include "output/term.hpp"

namespace pidns {
namespace {

TermEnv tty_env() {
  TermEnv env;
  env.stdout_is_tty = true;
  env.term = "xterm-256color";
  return env;
}

TEST(UseColor, AutoColorsATerminal) { EXPECT_TRUE(use_color(ColorMode::Auto, tty_env())); }

TEST(UseColor, AutoDoesNotColorAPipe) {
  TermEnv env = tty_env();
  env.stdout_is_tty = false;
  EXPECT_FALSE(use_color(ColorMode::Auto, env));
}

TEST(UseColor, NonEmptyNoColorTurnsAutoOff) {
  TermEnv env = tty_env();
  env.no_color = "1";
  EXPECT_FALSE(use_color(ColorMode::Auto, env));
  env.no_color = "";  // no-color.org: an empty value does not count
  EXPECT_TRUE(use_color(ColorMode::Auto, env));
}

TEST(UseColor, DumbOrMissingTermTurnsAutoOff) {
  TermEnv env = tty_env();
  env.term = "dumb";
  EXPECT_FALSE(use_color(ColorMode::Auto, env));
  env.term.reset();
  EXPECT_FALSE(use_color(ColorMode::Auto, env));
}

TEST(UseColor, AnExplicitModeBeatsTheEnvironment) {
  TermEnv env;
  env.no_color = "1";
  EXPECT_TRUE(use_color(ColorMode::Always, env));
  EXPECT_FALSE(use_color(ColorMode::Never, tty_env()));
}

TEST(EscapeForTerminal, LeavesPrintableTextAlone) {
  EXPECT_EQ(escape_for_terminal("kworker/0:1-events"), "kworker/0:1-events");
  EXPECT_EQ(escape_for_terminal("résumé 文档 🙂"), "résumé 文档 🙂");
  EXPECT_EQ(escape_for_terminal("two words"), "two words");
}

TEST(EscapeForTerminal, PrintableAsciiIsTheSameAloneAsBesideOtherText) {
  // Names of printable ASCII take a shortcut; beside a character that needs decoding they go the
  // long way, which must say the same.
  for (char c = 0x20; c < 0x7F; ++c) {
    if (c == '\\') continue;
    std::string alone(3, c);
    EXPECT_EQ(escape_for_terminal(alone), alone) << static_cast<int>(c);
    EXPECT_EQ(escape_for_terminal(alone + "\xC3\xA9"), alone + "\xC3\xA9") << static_cast<int>(c);
  }
  EXPECT_EQ(escape_for_terminal("a\\b"), "a\\\\b");
  EXPECT_EQ(escape_for_terminal(""), "");
}

TEST(EscapeForTerminal, EscapesControlCharacters) {
  EXPECT_EQ(escape_for_terminal("a\x1b[2Jb"), "a\\x1B[2Jb");
  EXPECT_EQ(escape_for_terminal("line\nbreak\ttab\r"), "line\\x0Abreak\\x09tab\\x0D");
  EXPECT_EQ(escape_for_terminal("\x1b]0;title\x07"), "\\x1B]0;title\\x07");
  EXPECT_EQ(escape_for_terminal("del\x7f"), "del\\x7F");
  EXPECT_EQ(escape_for_terminal(std::string_view("nul\0x", 5)), "nul\\x00x");
}

TEST(EscapeForTerminal, EscapesTheBackslashSoEscapesAreUnambiguous) {
  EXPECT_EQ(escape_for_terminal("a\\x1Bb"), "a\\\\x1Bb");
}

TEST(EscapeForTerminal, EscapesInvisibleAndReorderingCharacters) {
  EXPECT_EQ(escape_for_terminal("\xE2\x80\xAE"), "\\u{202E}");  // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(escape_for_terminal("a\xE2\x80\x8B"
                                "b"),
            "a\\u{200B}b");                                     // ZERO WIDTH SPACE
  EXPECT_EQ(escape_for_terminal("\xE2\x81\xA6"), "\\u{2066}");  // LEFT-TO-RIGHT ISOLATE
  EXPECT_EQ(escape_for_terminal("\xEF\xBB\xBF"), "\\u{FEFF}");  // BOM
  EXPECT_EQ(escape_for_terminal("\xC2\x85"), "\\u{0085}");      // C1 NEXT LINE
}

// UTF-8 of a code point, for the tables below.
std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

TEST(EscapeForTerminal, EscapesEveryBidiControlAndDefaultIgnorableCodePoint) {
  // The ones a hand-picked list had missed: ARABIC LETTER MARK, COMBINING GRAPHEME JOINER, the
  // Hangul fillers, MONGOLIAN VOWEL SEPARATOR, the deprecated format characters, variation
  // selectors and tags.
  for (char32_t cp : {0x061C, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x180E, 0x206A, 0x206F,
                      0xFE00, 0xFE0F, 0xE0000, 0xE0001, 0xE007F, 0xE0100, 0x00AD, 0x2028, 0x2029}) {
    EXPECT_EQ(escape_for_terminal(utf8(cp)),
              fmt::format("\\u{{{:04X}}}", static_cast<unsigned>(cp)))
        << std::hex << static_cast<unsigned>(cp);
  }
  // Their neighbours are printed as they are.
  for (char32_t cp : {0x061B, 0x034E, 0x1161, 0x3165, 0x180A, 0x2070, 0xFE10, 0x1F642}) {
    EXPECT_EQ(escape_for_terminal(utf8(cp)), utf8(cp)) << std::hex << static_cast<unsigned>(cp);
  }
}

TEST(EscapeForTerminal, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(escape_for_terminal("\xFF"), "\\xFF");
  EXPECT_EQ(escape_for_terminal("bad\xC3"), "bad\\xC3");                       // truncated sequence
  EXPECT_EQ(escape_for_terminal("\xC0\xAF"), "\\xC0\\xAF");                    // overlong '/'
  EXPECT_EQ(escape_for_terminal("\xED\xA0\x80"), "\\xED\\xA0\\x80");           // a surrogate
  EXPECT_EQ(escape_for_terminal("\xF4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // > U+10FFFF
}

}  // namespace
}  // namespace pidns
