// environment: the process's surroundings, read once.
#include "app/environment.hpp"

#include <langinfo.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdlib>
#include <cstring>

namespace pidns {
namespace {

std::optional<std::string> env_var(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::optional<std::string>(value) : std::nullopt;
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

}  // namespace pidns
