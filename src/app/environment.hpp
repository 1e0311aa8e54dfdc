// environment: the facts about the process's surroundings that decide how output looks and how
// much work runs at once, read once in main() and handed down as plain data.
#pragma once

#include <optional>
#include <string>

namespace pidns {

enum class ColorMode { Auto, Always, Never };

/// What the terminal, the locale and the machine allow; filled once, in main().
struct TermEnv {
  bool stdout_is_tty = false;
  std::optional<std::string> no_color;  ///< $NO_COLOR
  std::optional<std::string> term;      ///< $TERM
  bool utf8 = false;                    ///< the locale's character set is UTF-8
  bool root = false;                    ///< effective UID 0
  unsigned cpus = 1;                    ///< CPUs this process may run on (sched_getaffinity)

  /// Reads the process's own environment, locale and CPU affinity.
  [[nodiscard]] static TermEnv current();
};

/// no-color.org: a non-empty NO_COLOR turns auto color off; an explicit mode beats it.
[[nodiscard]] bool use_color(ColorMode mode, const TermEnv& env);

}  // namespace pidns
