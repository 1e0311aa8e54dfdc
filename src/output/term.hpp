// term: what the terminal can take (color, glyphs) and how untrusted text is made safe for it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pidns {

enum class ColorMode { Auto, Always, Never };

/// The facts about the environment that decide how output looks and how much work runs at once;
/// filled once, in main().
struct TermEnv {
  bool stdout_is_tty = false;
  std::optional<std::string> no_color;  ///< $NO_COLOR
  std::optional<std::string> term;      ///< $TERM
  bool utf8 = false;                    ///< the locale's character set is UTF-8
  bool root = false;                    ///< effective UID 0
  unsigned cpus = 1;                    ///< CPUs this process may run on (sched_getaffinity)

  /// Reads the process's own environment and locale.
  [[nodiscard]] static TermEnv current();
};

/// no-color.org: a non-empty NO_COLOR turns auto color off; an explicit mode beats it.
[[nodiscard]] bool use_color(ColorMode mode, const TermEnv& env);

/// Makes an untrusted name safe to print on one line of a terminal: bytes that are not UTF-8,
/// controls, line separators, bidi controls and invisible code points (escape_ranges.hpp, from
/// the Unicode Character Database) become \xHH (ASCII controls and bytes that are not UTF-8) or
/// \u{HHHH} (other code points); a backslash becomes "\\", so every escape is unambiguous.
/// Printable text, ASCII or not, is copied.
[[nodiscard]] std::string escape_for_terminal(std::string_view text);

}  // namespace pidns
