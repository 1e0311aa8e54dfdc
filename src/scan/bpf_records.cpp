// bpf_records: checks every field the BPF program wrote before anything trusts it.
#include "scan/bpf_records.hpp"

#include <linux/types.h>

#include <algorithm>
#include <cstring>

#include "scan/bpf/task_record.h"

namespace pidns {
namespace {

using Record = pidns_task_record;

// Both sides lay the record out alike only if neither pads it: every field is 4-byte aligned.
static_assert(sizeof(pidns_task_level) == 12);
static_assert(sizeof(Record) == 28 + PIDNS_COMM_LEN + PIDNS_MAX_LEVELS * 12);

// PID_MAX_LIMIT (include/linux/threads.h): 4 * 1024 * 1024 on 64-bit machines, the most
// kernel.pid_max allows.
constexpr std::uint32_t kPidMaxLimit = 4u * 1024 * 1024;

[[nodiscard]] bool valid_pid(std::uint32_t nr) { return nr > 0 && nr <= kPidMaxLimit; }

// levels[0..level] chain: each a real PID in a namespace whose parent is the level above's
// (a pid_namespace's parent is always one level up); the initial namespace has no parent.
[[nodiscard]] bool valid_levels(const Record& r) {
  std::uint32_t above = 0;
  for (std::uint32_t i = 0; i <= r.level; ++i) {
    const pidns_task_level& l = r.levels[i];
    if (!valid_pid(l.nr) || l.ns_inum == 0 || l.parent_inum != above) return false;
    above = l.ns_inum;
  }
  // The program leaves the rest zero: anything there means the layouts disagree.
  const pidns_task_level* rest = r.levels + r.level + 1;
  return std::all_of(rest, r.levels + PIDNS_MAX_LEVELS, [](const pidns_task_level& l) {
    return l.nr == 0 && l.ns_inum == 0 && l.parent_inum == 0;
  });
}

[[nodiscard]] bool valid(const Record& r) {
  if (r.level >= PIDNS_MAX_LEVELS || !valid_levels(r)) return false;
  if (r.tgid != r.levels[0].nr) return false;
  if (r.parent_tgid != 0 && !valid_pid(r.parent_tgid)) return false;
  if (r.nr_threads < 0) return false;
  // EXIT_ZOMBIE, EXIT_DEAD or both (EXIT_TRACE): no other bit is an exit state.
  if ((r.exit_state & ~(PIDNS_EXIT_ZOMBIE | PIDNS_EXIT_DEAD)) != 0) return false;
  return std::memchr(r.comm, '\0', sizeof(r.comm)) != nullptr;  // the kernel terminates it
}

TaskRecord to_task(const Record& r) {
  TaskRecord t;
  t.tgid = static_cast<pid_t>(r.tgid);
  t.parent_tgid = static_cast<pid_t>(r.parent_tgid);
  t.uid = r.uid;
  t.threads = static_cast<unsigned>(r.nr_threads);
  t.kernel_thread = (r.flags & PIDNS_PF_KTHREAD) != 0;
  t.workqueue_worker = (r.flags & PIDNS_PF_WQ_WORKER) != 0;
  t.zombie = (r.exit_state & PIDNS_EXIT_ZOMBIE) != 0;
  t.dead = (r.exit_state & PIDNS_EXIT_DEAD) != 0;
  t.comm.assign(r.comm, ::strnlen(r.comm, sizeof(r.comm)));
  t.levels.reserve(r.level + 1);
  for (std::uint32_t i = 0; i <= r.level; ++i) {
    const pidns_task_level& l = r.levels[i];
    t.levels.push_back({static_cast<pid_t>(l.nr), l.ns_inum, l.parent_inum});
  }
  return t;
}

}  // namespace

std::size_t task_record_size() noexcept { return sizeof(Record); }

DecodedTasks decode_task_records(std::string_view bytes) {
  DecodedTasks out;
  out.tasks.reserve(bytes.size() / sizeof(Record));
  append_task_records(bytes, out);
  return out;
}

void append_task_records(std::string_view bytes, DecodedTasks& out) {
  out.truncated |= bytes.size() % sizeof(Record) != 0;
  std::size_t count = bytes.size() / sizeof(Record);
  // No reserve here: called once per read(2), it would defeat push_back's geometric growth.
  for (std::size_t i = 0; i < count; ++i) {
    Record r;  // copied out: the bytes need not be aligned for it
    std::memcpy(&r, bytes.data() + i * sizeof(Record), sizeof(Record));
    if (valid(r)) {
      out.tasks.push_back(to_task(r));
    } else {
      ++out.rejected;
    }
  }
}

}  // namespace pidns
