// fuzz_escape: libFuzzer target for escape_for_terminal(). Its output must be safe on one line of
// a terminal: no byte below 0x20, no DEL, no C1 control or bidi/zero-width character (checked on
// the UTF-8 it emits), and every byte of input either copied or escaped (never dropped).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "output/term.hpp"

namespace {

// The code point at s[i] in output that must be valid UTF-8; its length in len.
char32_t decode(std::string_view s, std::size_t i, std::size_t& len) {
  auto b = [&](std::size_t k) -> char32_t {
    if (k >= s.size() || (k > i && (static_cast<unsigned char>(s[k]) & 0xC0) != 0x80)) std::abort();
    return static_cast<unsigned char>(s[k]);
  };
  char32_t c = b(i);
  if (c < 0x80) return len = 1, c;
  if (c >= 0xC2 && c <= 0xDF) return len = 2, ((c & 0x1F) << 6) | (b(i + 1) & 0x3F);
  if (c >= 0xE0 && c <= 0xEF) {
    return len = 3, ((c & 0x0F) << 12) | ((b(i + 1) & 0x3F) << 6) | (b(i + 2) & 0x3F);
  }
  if (c >= 0xF0 && c <= 0xF4) {
    return len = 4, ((c & 0x07) << 18) | ((b(i + 1) & 0x3F) << 12) | ((b(i + 2) & 0x3F) << 6) |
                        (b(i + 3) & 0x3F);
  }
  std::abort();  // the output is not UTF-8
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out = pidns::escape_for_terminal(in);
  if (out.size() < in.size()) std::abort();
  for (std::size_t i = 0, len = 0; i < out.size(); i += len) {
    char32_t c = decode(out, i, len);
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x200B && c <= 0x200F) ||
        (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF) {
      std::abort();
    }
  }
  // Escaping twice only doubles backslashes: the first output has no raw control left.
  std::string twice = pidns::escape_for_terminal(out);
  std::string doubled;
  for (char c : out) doubled += c == '\\' ? std::string("\\\\") : std::string(1, c);
  if (twice != doubled) std::abort();
  return 0;
}
