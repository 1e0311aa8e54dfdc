// utf8: one decoder of untrusted bytes, shared by the terminal escaper and the JSON writer.
#pragma once

#include <cstddef>
#include <string_view>

namespace pidns {

/// One step through a byte string: a whole, valid UTF-8 sequence, or the bytes to replace.
struct Utf8Step {
  std::size_t length = 0;   ///< bytes consumed (at least 1)
  bool valid = false;       ///< a whole, well-formed sequence (no overlong form, no surrogate)
  char32_t code_point = 0;  ///< when valid
};

/// Decodes the sequence at text[i] (i < text.size()). When it is not valid UTF-8, `length` is
/// its "maximal subpart" (Unicode 15, 3.9): the longest prefix that could still have begun a
/// valid sequence, and at least one byte; so "\xE2\x80A" is one bad step of 2 bytes, then "A".
/// This is how Python's errors="replace" and nlohmann::json's error_handler_t::replace count.
[[nodiscard]] Utf8Step next_utf8(std::string_view text, std::size_t i) noexcept;

}  // namespace pidns
