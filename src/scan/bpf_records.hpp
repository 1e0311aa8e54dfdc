// bpf_records: the pure decoder of what the BPF task iterator writes (bpf/task_record.h).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pidns {

/// One level of a process's struct pid: its PID in that PID namespace, and the namespace.
struct TaskLevel {
  pid_t pid = 0;
  std::uint64_t ns_ino = 0;      ///< the inode readlink(/proc/PID/ns/pid) shows
  std::uint64_t parent_ino = 0;  ///< its parent namespace's inode; 0 at level 0, which has none
  friend bool operator==(const TaskLevel&, const TaskLevel&) = default;
};

/// One thread-group leader as the iterator saw it. Its PIDs are the initial namespace's, which
/// the iterator sees in whatever namespace it runs: they join a process to its parent.
struct TaskRecord {
  pid_t tgid = 0;              ///< in the initial PID namespace: levels.front().pid
  pid_t parent_tgid = 0;       ///< the real parent's, in the initial namespace; 0: the idle task
  uid_t uid = 0;               ///< real UID in the initial user namespace
  unsigned threads = 0;        ///< signal->nr_threads, what status calls Threads
  bool kernel_thread = false;  ///< PF_KTHREAD
  /// PF_WQ_WORKER: status and comm show "kworker/0:1-events", not this comm (wq_worker_comm()).
  bool workqueue_worker = false;
  bool zombie = false;  ///< exit_state has EXIT_ZOMBIE: status says Z
  bool dead = false;    ///< exit_state has EXIT_DEAD: status says X
  std::string comm;     ///< task->comm, raw bytes, at most 15
  /// Outermost first: levels[0] is the initial namespace, levels.back() the process's own. 1 to
  /// 33 (MAX_PID_NS_LEVEL + 1) entries, each namespace the parent of the next.
  std::vector<TaskLevel> levels;
  friend bool operator==(const TaskRecord&, const TaskRecord&) = default;
};

/// What one read of the iterator decodes to.
struct DecodedTasks {
  std::vector<TaskRecord> tasks;  ///< in the iterator's order: by PID in its namespace
  /// Records that break the layout's rules (a level above 32, PIDs or namespaces that do not
  /// chain, bytes after the last level): left out. The program and decoder share one layout, so
  /// any is a bug or a kernel that changed a field's meaning.
  std::size_t rejected = 0;
  /// The bytes end inside a record (left out). A read(2) of the iterator never splits one.
  bool truncated = false;
};

/// The size of one record in bytes.
[[nodiscard]] std::size_t task_record_size() noexcept;

/// Decodes the bytes of one or more reads of the iterator. Never throws but std::bad_alloc.
[[nodiscard]] DecodedTasks decode_task_records(std::string_view bytes);

/// decode_task_records() onto what earlier bytes gave: the records of `bytes` are appended to
/// out.tasks, the rejected added to out.rejected, and a partial record at the end sets
/// out.truncated. Never throws but std::bad_alloc.
void append_task_records(std::string_view bytes, DecodedTasks& out);

}  // namespace pidns
