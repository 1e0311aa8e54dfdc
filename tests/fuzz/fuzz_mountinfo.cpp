// fuzz_mountinfo: libFuzzer target for parse_nsfs_mounts(). It must never crash, and every mount
// it returns must have an absolute mount point.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kernel/procfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const pidns::NsfsMount& m : pidns::parse_nsfs_mounts(text)) {
    if (m.mountpoint.empty() || m.mountpoint.front() != '/') std::abort();
  }
  (void)pidns::parse_pid(text);
  return 0;
}
