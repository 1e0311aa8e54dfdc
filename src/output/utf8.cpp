// utf8: one decoder of untrusted bytes.
#include "output/utf8.hpp"

namespace pidns {

Utf8Step next_utf8(std::string_view text, std::size_t i) noexcept {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return {1, true, b0};

  // The length a lead byte announces, and the range its second byte must fall in: the ranges
  // exclude overlong forms (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
  std::size_t length;
  unsigned char low = 0x80, high = 0xBF;
  char32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, cp = b0 & 0x0F;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, cp = b0 & 0x07;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;
  } else {
    return {1, false, 0};  // a continuation byte, C0, C1 or F5..FF: never a lead byte
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= text.size()) return {k, false, 0};  // cut off: the whole prefix is one error
    unsigned char b = byte(i + k);
    if (b < (k == 1 ? low : 0x80) || b > (k == 1 ? high : 0xBF)) return {k, false, 0};
    cp = (cp << 6) | (b & 0x3F);
  }
  return {length, true, cp};
}

}  // namespace pidns
