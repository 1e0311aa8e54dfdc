// fuzz_status: libFuzzer target for parse_status(). It must never crash, and what it accepts must
// satisfy its documented contract: at most 33 NStgid fields, and unless the task is exiting (an
// empty NStgid or a 0 in it), 1 to 33 positive ones.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kernel/procfs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<pidns::ProcStatus> st = pidns::parse_status(text);
  if (!st) return 0;
  if (st->nstgid.size() > pidns::kMaxPidNsLevel + 1) std::abort();
  bool exiting = st->nstgid.empty();
  for (pid_t pid : st->nstgid) {
    if (pid < 0) std::abort();
    exiting |= pid == 0;
  }
  if (exiting != st->exiting) std::abort();
  if (st->ppid < 0) std::abort();
  return 0;
}
