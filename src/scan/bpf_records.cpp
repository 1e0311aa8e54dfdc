// bpf_records: checks every field the BPF program wrote before anything trusts it.
#include "scan/bpf_records.hpp"

#include <linux/types.h>

#include <algorithm>
#include <cstring>

#include "scan/bpf/task_record.h"

namespace pidns {
namespace {

using Record = pidns_task_record;

// Both sides lay the record out alike only if neither pads it: every field is aligned to its
// size, and the header is a multiple of 8.
static_assert(sizeof(pidns_task_level) == 8);
constexpr std::size_t kHeader = offsetof(Record, levels);
static_assert(kHeader == 72 && sizeof(Record) == kHeader + PIDNS_MAX_LEVELS * 8);
static_assert(PIDNS_MAX_LEVELS == kMaxTaskLevels);

// PID_MAX_LIMIT (include/linux/threads.h): 4 * 1024 * 1024 on 64-bit machines, the most
// kernel.pid_max allows.
constexpr std::uint32_t kPidMaxLimit = 4u * 1024 * 1024;

[[nodiscard]] bool valid_pid(std::uint32_t nr) { return nr > 0 && nr <= kPidMaxLimit; }

// levels[0..level]: each a real PID in a real namespace, and no namespace at two levels in a row
// (a namespace's parent is always another namespace, one level up).
[[nodiscard]] bool valid_levels(const Record& r) {
  std::uint32_t above = 0;
  for (std::uint32_t i = 0; i <= r.level; ++i) {
    const pidns_task_level& l = r.levels[i];
    if (!valid_pid(l.nr) || l.ns_inum == 0 || l.ns_inum == above) return false;
    above = l.ns_inum;
  }
  return true;
}

[[nodiscard]] bool valid(const Record& r) {
  if (!valid_levels(r) || r.tgid != r.levels[0].nr) return false;
  if (r.parent_tgid != 0 && !valid_pid(r.parent_tgid)) return false;
  if (r.nr_threads < 0 || r.reserved != 0) return false;
  // EXIT_ZOMBIE, EXIT_DEAD or both (EXIT_TRACE): no other bit is an exit state.
  if ((r.exit_state & ~(PIDNS_EXIT_ZOMBIE | PIDNS_EXIT_DEAD)) != 0) return false;
  return std::memchr(r.comm, '\0', sizeof(r.comm)) != nullptr;  // the kernel terminates it
}

void to_task(const Record& r, TaskRecord& t) {
  t.tgid = static_cast<pid_t>(r.tgid);
  t.parent_tgid = static_cast<pid_t>(r.parent_tgid);
  t.uid = r.uid;
  t.threads = static_cast<unsigned>(r.nr_threads);
  t.kernel_thread = (r.flags & PIDNS_PF_KTHREAD) != 0;
  t.exiting = (r.flags & PIDNS_PF_EXITING) != 0;
  t.zombie = (r.exit_state & PIDNS_EXIT_ZOMBIE) != 0;
  t.dead = (r.exit_state & PIDNS_EXIT_DEAD) != 0;
  t.comm.assign(r.comm, ::strnlen(r.comm, sizeof(r.comm)));
  t.own_ns_id = r.own_ns_id;
  t.css_set = r.css_set;
  t.own_userns = r.own_userns;
  t.own_userns_uid = r.own_userns_uid;
  t.level_count = r.level + 1;
  for (std::uint32_t i = 0; i <= r.level; ++i) {
    t.level_store[i] = {static_cast<pid_t>(r.levels[i].nr), r.levels[i].ns_inum};
  }
}

}  // namespace

bool operator==(const TaskRecord& a, const TaskRecord& b) noexcept {
  auto la = a.levels(), lb = b.levels();
  return a.tgid == b.tgid && a.parent_tgid == b.parent_tgid && a.uid == b.uid &&
         a.threads == b.threads && a.kernel_thread == b.kernel_thread && a.exiting == b.exiting &&
         a.zombie == b.zombie && a.dead == b.dead && a.comm == b.comm &&
         a.own_ns_id == b.own_ns_id && a.css_set == b.css_set && a.own_userns == b.own_userns &&
         a.own_userns_uid == b.own_userns_uid &&
         std::equal(la.begin(), la.end(), lb.begin(), lb.end());
}

std::size_t task_record_header_size() noexcept { return kHeader; }

std::size_t task_record_size(std::size_t levels) noexcept {
  return kHeader + levels * sizeof(pidns_task_level);
}

RecordStep decode_task_record(std::string_view bytes, TaskRecord& out) noexcept {
  if (bytes.size() < kHeader) return {RecordStatus::kIncomplete, 0};
  Record r;  // copied out: the bytes need not be aligned for it
  std::memcpy(&r, bytes.data(), kHeader);
  if (r.level >= PIDNS_MAX_LEVELS) return {RecordStatus::kUnframed, 0};
  std::size_t size = task_record_size(r.level + 1);
  if (bytes.size() < size) return {RecordStatus::kIncomplete, 0};
  std::memcpy(r.levels, bytes.data() + kHeader, size - kHeader);
  if (!valid(r)) return {RecordStatus::kRejected, size};
  to_task(r, out);
  return {RecordStatus::kTask, size};
}

void append_task_records(std::string_view bytes, DecodedTasks& out) {
  TaskRecord task;
  while (!bytes.empty()) {
    RecordStep step = decode_task_record(bytes, task);
    if (step.status == RecordStatus::kIncomplete) {
      out.incomplete = true;
      return;
    }
    if (step.status == RecordStatus::kUnframed) {
      out.unframed = true;
      return;
    }
    if (step.status == RecordStatus::kTask) {
      out.tasks.push_back(task);
    } else {
      ++out.rejected;
    }
    bytes.remove_prefix(step.size);
  }
}

DecodedTasks decode_task_records(std::string_view bytes) {
  DecodedTasks out;
  append_task_records(bytes, out);
  return out;
}

}  // namespace pidns
