// fuzz_bpf_records: libFuzzer target for the BPF task iterator's decoder. It must never crash,
// frame records only by their own level (each consumes its header and level + 1 levels), stop
// where a record cannot be framed, and decode only what the layout allows: 1 to 33 levels of
// positive PIDs, no namespace at two levels in a row, the outermost PID the tgid, a comm
// without its NUL. Decoding in two reads split at a record boundary must give what one gives.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "scan/bpf_records.hpp"

namespace {

void check(const pidns::TaskRecord& t) {
  auto levels = t.levels();
  if (levels.empty() || levels.size() > 33) std::abort();
  if (levels.front().pid != t.tgid) std::abort();
  std::uint32_t above = 0;
  for (const pidns::TaskLevel& l : levels) {
    if (l.pid <= 0 || l.ns_ino == 0 || l.ns_ino == above) std::abort();
    above = l.ns_ino;
  }
  if (t.comm.size() > 15 || t.comm.find('\0') != std::string_view::npos) std::abort();
  if (t.parent_tgid < 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Record by record, as the scan decodes: each step consumes exactly its record.
  std::size_t offset = 0, tasks = 0, rejected = 0, middle = 0;
  pidns::TaskRecord t;
  for (;;) {
    pidns::RecordStep step = pidns::decode_task_record(bytes.substr(offset), t);
    if (step.status == pidns::RecordStatus::kIncomplete ||
        step.status == pidns::RecordStatus::kUnframed) {
      if (step.size != 0) std::abort();
      break;
    }
    std::size_t levels = (step.size - pidns::task_record_header_size()) / 8;
    if (step.size != pidns::task_record_size(levels) || levels < 1 || levels > 33) std::abort();
    if (step.status == pidns::RecordStatus::kTask) {
      if (t.levels().size() != levels) std::abort();
      check(t);
      ++tasks;
    } else {
      ++rejected;
    }
    offset += step.size;
    if (middle == 0 && offset >= size / 2) middle = offset;
  }
  pidns::DecodedTasks d = pidns::decode_task_records(bytes);
  if (d.tasks.size() != tasks || d.rejected != rejected) std::abort();
  if (d.incomplete == d.unframed && offset != size) std::abort();  // exactly one stops early

  pidns::DecodedTasks two;
  pidns::append_task_records(bytes.substr(0, middle), two);
  pidns::append_task_records(bytes.substr(middle), two);
  if (two.tasks != d.tasks || two.rejected != d.rejected || two.incomplete != d.incomplete ||
      two.unframed != d.unframed) {
    std::abort();
  }
  return 0;
}
