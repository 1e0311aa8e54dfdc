// fuzz_bpf_records: libFuzzer target for decode_task_records(). It must never crash, account for
// every record (decoded or rejected), and decode only what the layout allows: 1 to 33 levels of
// positive PIDs in namespaces that chain, the outermost PID the tgid, a comm without its NUL.
// Decoding in two reads split at a record boundary must give what one read gives.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/bpf_records.hpp"

namespace {

void check(const pidns::TaskRecord& t) {
  if (t.levels.empty() || t.levels.size() > 33) std::abort();
  if (t.levels.front().pid != t.tgid || t.levels.front().parent_ino != 0) std::abort();
  std::uint64_t above = 0;
  for (const pidns::TaskLevel& l : t.levels) {
    if (l.pid <= 0 || l.ns_ino == 0 || l.parent_ino != above) std::abort();
    above = l.ns_ino;
  }
  if (t.comm.size() > 15 || t.comm.find('\0') != std::string_view::npos) std::abort();
  if (t.parent_tgid < 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::size_t record = pidns::task_record_size();
  pidns::DecodedTasks d = pidns::decode_task_records(bytes);
  if (d.tasks.size() + d.rejected != size / record) std::abort();
  if (d.truncated != (size % record != 0)) std::abort();
  for (const pidns::TaskRecord& t : d.tasks) check(t);

  std::size_t split = size / record / 2 * record;
  pidns::DecodedTasks two;
  pidns::append_task_records(bytes.substr(0, split), two);
  pidns::append_task_records(bytes.substr(split), two);
  if (two.tasks != d.tasks || two.rejected != d.rejected || two.truncated != d.truncated) {
    std::abort();
  }
  return 0;
}
