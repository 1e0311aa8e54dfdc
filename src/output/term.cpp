// term: escaping of untrusted text, and painting of labels.
#include "output/term.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "output/escape_ranges.hpp"
#include "output/utf8.hpp"

namespace pidns {
namespace {

// Controls, line separators, bidi controls and invisible code points: escape_ranges.hpp,
// derived from the Unicode Character Database.
bool needs_escape(char32_t c) {
  auto it = std::upper_bound(kEscapedRanges.begin(), kEscapedRanges.end(), c,
                             [](char32_t cp, const auto& range) { return cp < range.first; });
  return it != kEscapedRanges.begin() && c <= std::prev(it)->second;
}

}  // namespace

void paint(std::string& out, std::string_view text, const char* sgr, bool color) {
  if (color) out += sgr;
  out += text;
  if (color) out += sgr::kReset;
}

std::string escape_for_terminal(std::string_view text) {
  // Most names are printable ASCII without a backslash: nothing to escape, nothing to decode
  // (a tenth of a large host's text output went into decoding them).
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return c >= 0x20 && c < 0x7F && c != '\\'; })) {
    return std::string(text);
  }
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    Utf8Step step = next_utf8(text, i);
    char32_t cp = step.code_point;
    if (!step.valid) {  // every byte shown, so nothing of the original is lost
      for (std::size_t k = i; k < i + step.length; ++k) {
        fmt::format_to(std::back_inserter(out), "\\x{:02X}", static_cast<unsigned char>(text[k]));
      }
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (needs_escape(cp)) {
      if (cp < 0x80) {  // so "\\xHH" above 0x7F always means a byte that is not UTF-8
        fmt::format_to(std::back_inserter(out), "\\x{:02X}", static_cast<unsigned>(cp));
      } else {
        fmt::format_to(std::back_inserter(out), "\\u{{{:04X}}}", static_cast<unsigned>(cp));
      }
    } else {
      out.append(text.substr(i, step.length));
    }
    i += step.length;
  }
  return out;
}

}  // namespace pidns
