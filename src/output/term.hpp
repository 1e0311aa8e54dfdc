// term: untrusted text made safe for a terminal, and the colors of labels. Pure: whether color is
// wanted is decided by the app (app/environment.hpp) and handed in.
#pragma once

#include <string>
#include <string_view>

namespace pidns {

/// Makes an untrusted name safe to print on one line of a terminal: bytes that are not UTF-8,
/// controls, line separators, bidi controls and invisible code points (escape_ranges.hpp, from
/// the Unicode Character Database) become \xHH (ASCII controls and bytes that are not UTF-8) or
/// \u{HHHH} (other code points); a backslash becomes "\\", so every escape is unambiguous.
/// Printable text, ASCII or not, is copied.
[[nodiscard]] std::string escape_for_terminal(std::string_view text);

/// The SGR sequences of the text outputs (the tree and --watch lines), used only on labels and
/// markers.
namespace sgr {
inline constexpr const char* kNamespace = "\x1b[1;34m";
inline constexpr const char* kHidden = "\x1b[2;34m";
inline constexpr const char* kMark = "\x1b[32m";
inline constexpr const char* kCurrent = "\x1b[1;33m";
inline constexpr const char* kContainer = "\x1b[36m";
inline constexpr const char* kReset = "\x1b[0m";
}  // namespace sgr

/// Appends `text` to `out`, between `sgr` and the reset when `color` is on.
void paint(std::string& out, std::string_view text, const char* sgr, bool color);

}  // namespace pidns
