// term: what the terminal can take, and escaping of untrusted text.
#include "output/term.hpp"

#include <fmt/format.h>
#include <langinfo.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdlib>
#include <cstring>

#include "output/escape_ranges.hpp"
#include "output/utf8.hpp"

namespace pidns {
namespace {

std::optional<std::string> env_var(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::optional<std::string>(value) : std::nullopt;
}

// Controls, line separators, bidi controls and invisible code points: escape_ranges.hpp,
// derived from the Unicode Character Database.
bool needs_escape(char32_t c) {
  auto it = std::upper_bound(kEscapedRanges.begin(), kEscapedRanges.end(), c,
                             [](char32_t cp, const auto& range) { return cp < range.first; });
  return it != kEscapedRanges.begin() && c <= std::prev(it)->second;
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
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    env.cpus = static_cast<unsigned>(std::max(1, CPU_COUNT(&set)));
  }
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
