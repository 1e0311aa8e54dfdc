// term: what the terminal can take, and escaping of untrusted text.
#include "term.hpp"

#include <fmt/format.h>
#include <langinfo.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cstring>

namespace pidns {
namespace {

std::optional<std::string> env_var(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::optional<std::string>(value) : std::nullopt;
}

bool needs_escape(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F)                             // C0, DEL, C1
         || c == 0xAD                                                     // soft hyphen
         || (c >= 0x200B && c <= 0x200F) || (c >= 0x2028 && c <= 0x202E)  // zero-width, bidi
         || (c >= 0x2060 && c <= 0x2069) || c == 0xFEFF;                  // joiners, isolates, BOM
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if it is not valid UTF-8
// (overlong forms, surrogates and values past U+10FFFF included).
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& out) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  std::size_t len;
  char32_t cp;
  if (b0 < 0x80) {
    out = b0;
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  out = cp;
  return len;
}

}  // namespace

TermEnv TermEnv::current() {
  TermEnv env;
  env.stdout_is_tty = ::isatty(STDOUT_FILENO) == 1;
  env.no_color = env_var("NO_COLOR");
  env.term = env_var("TERM");
  std::setlocale(LC_CTYPE, "");
  env.utf8 = std::strcmp(::nl_langinfo(CODESET), "UTF-8") == 0;
  env.root = ::geteuid() == 0;
  return env;
}

bool use_color(ColorMode mode, const TermEnv& env) {
  if (mode != ColorMode::Auto) return mode == ColorMode::Always;
  if (env.no_color && !env.no_color->empty()) return false;
  if (!env.term || *env.term == "dumb") return false;
  return env.stdout_is_tty;
}

std::string escape_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    std::size_t len = decode_utf8(text, i, cp);
    if (len == 0) {
      fmt::format_to(std::back_inserter(out), "\\x{:02X}", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (cp == '\\') {
      out += "\\\\";
    } else if (needs_escape(cp)) {
      if (cp < 0x80) {  // so "\\xHH" above 0x7F always means a byte that is not UTF-8
        fmt::format_to(std::back_inserter(out), "\\x{:02X}", static_cast<unsigned>(cp));
      } else {
        fmt::format_to(std::back_inserter(out), "\\u{{{:04X}}}", static_cast<unsigned>(cp));
      }
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

}  // namespace pidns
