// bpf_records: the pure decoder of what the BPF task iterator writes (bpf/task_record.h).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pidns {

/// One level of a process's struct pid: its PID in that PID namespace, and the namespace. The
/// namespace's parent is the level above's.
struct TaskLevel {
  pid_t pid = 0;
  std::uint32_t ns_ino = 0;  ///< the inode readlink(/proc/PID/ns/pid) shows
  friend bool operator==(const TaskLevel&, const TaskLevel&) = default;
};

/// MAX_PID_NS_LEVEL + 1 (include/linux/pid_namespace.h): a struct pid has 1 to 33 levels.
inline constexpr std::size_t kMaxTaskLevels = 33;

/// One thread-group leader as the iterator saw it. Its PIDs are the initial namespace's, which
/// the iterator sees in whatever namespace it runs: they join a process to its parent. Held
/// inline, with no allocation, so that one record can be decoded after another into the same
/// object.
struct TaskRecord {
  pid_t tgid = 0;              ///< in the initial PID namespace: levels().front().pid
  pid_t parent_tgid = 0;       ///< the real parent's, in the initial namespace; 0: the idle task
  uid_t uid = 0;               ///< real UID in the initial user namespace
  unsigned threads = 0;        ///< signal->nr_threads, what status calls Threads
  bool kernel_thread = false;  ///< PF_KTHREAD
  bool exiting = false;        ///< PF_EXITING: a zombie, or one on its way there
  bool zombie = false;         ///< exit_state has EXIT_ZOMBIE: status says Z
  bool dead = false;           ///< exit_state has EXIT_DEAD: status says X
  std::string comm;            ///< task->comm, raw bytes, at most 15 (inline: no allocation)
  /// Of the namespace the task lives in, the last level's: NS_GET_ID's id (Linux 6.18; 0 where
  /// the kernel has none), and the inode and owner's UID of the user namespace that owns it
  /// (NS_GET_USERNS, NS_GET_OWNER_UID).
  std::uint64_t own_ns_id = 0;
  std::uint32_t own_userns = 0;
  uid_t own_userns_uid = 0;
  /// The address of the task's css_set (task->cgroups), a key: tasks with the same one are in
  /// the same cgroup of every hierarchy, so their /proc/PID/cgroup reads the same, but for an
  /// exiting task's (proc_cgroup_show() prints "/" for it in every v1 hierarchy).
  std::uint64_t css_set = 0;
  std::size_t level_count = 0;  ///< 1 to 33
  std::array<TaskLevel, kMaxTaskLevels> level_store{};

  /// Outermost first: levels()[0] is the initial namespace, levels().back() the process's own.
  [[nodiscard]] std::span<const TaskLevel> levels() const noexcept {
    return {level_store.data(), level_count};
  }
  friend bool operator==(const TaskRecord& a, const TaskRecord& b) noexcept;
};

/// What decode_task_record() found at the front of its bytes.
enum class RecordStatus {
  kTask,        ///< a record that passed every check, into `out`
  kRejected,    ///< a whole record that breaks the layout's rules: skipped
  kIncomplete,  ///< the bytes end inside a record: read more
  kUnframed,    ///< a level beyond 32: where the next record begins cannot be told
};

struct RecordStep {
  RecordStatus status = RecordStatus::kIncomplete;
  std::size_t size = 0;  ///< the bytes the record took (kTask, kRejected)
};

/// The size of a record's header, and of a record with one level (the smallest).
[[nodiscard]] std::size_t task_record_header_size() noexcept;
/// The size of a record of `levels` levels (1 to 33).
[[nodiscard]] std::size_t task_record_size(std::size_t levels) noexcept;

/// Decodes the record at the front of `bytes` into `out`. The program and the decoder share one
/// layout, so a rejected record is a bug or a kernel that changed a field's meaning: a PID of 0
/// or above PID_MAX_LIMIT, a tgid that is not the outermost PID, a namespace inode of 0 or the
/// same at two levels in a row, a comm without its NUL, an unknown exit state, a negative thread
/// count or a non-zero reserved field. Pure; never throws.
[[nodiscard]] RecordStep decode_task_record(std::string_view bytes, TaskRecord& out) noexcept;

/// Every record of some reads of the iterator, for tests and the bpf-tasks tool.
struct DecodedTasks {
  std::vector<TaskRecord> tasks;  ///< in the iterator's order: by PID in its namespace
  std::size_t rejected = 0;       ///< records left out (RecordStatus::kRejected)
  bool incomplete = false;        ///< the bytes end inside a record (left out)
  bool unframed = false;          ///< a record could not be framed: the bytes after it are lost
};

/// Decodes `bytes` record after record, appending to `out`. Never throws but std::bad_alloc.
void append_task_records(std::string_view bytes, DecodedTasks& out);
[[nodiscard]] DecodedTasks decode_task_records(std::string_view bytes);

}  // namespace pidns
