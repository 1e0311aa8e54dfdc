// fixtures_dir: where the checked-in procfs and state-file fixtures are.
#pragma once

#include <cstdlib>
#include <string>

namespace pidns::testing {

/// $PIDNS_FIXTURES (meson sets it), else tests/fixtures for a run from the source root.
inline std::string fixtures_dir() {
  const char* dir = std::getenv("PIDNS_FIXTURES");
  return dir ? dir : "tests/fixtures";
}

}  // namespace pidns::testing
