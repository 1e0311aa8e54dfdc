// procfs: pure parsers of the kernel's /proc text. No I/O; they never throw.
#pragma once

#include <sys/types.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/level_pids.hpp"

namespace pidns {

/// PID namespaces nest at most 32 levels below the initial one (MAX_PID_NS_LEVEL in
/// include/linux/pid_namespace.h), so a process has at most 33 NStgid fields.
inline constexpr int kMaxPidNsLevel = 32;

/// What pidns-tree takes from /proc/PID/status.
struct ProcStatus {
  std::string name;      ///< `Name:` with the kernel's escaping of '\n' and '\\' undone
  char state = 0;        ///< the letter of `State:` (R, S, D, Z, X, ...); 0 when absent
  pid_t tgid = 0;        ///< `Tgid:`; 0 when absent
  pid_t ppid = 0;        ///< `PPid:`, as the scanned procfs numbers it (0: outside it)
  uid_t uid = 0;         ///< real UID, the first field of `Uid:`
  LevelPids nstgid;      ///< `NStgid:`, outermost visible level first, own level last
  unsigned threads = 1;  ///< `Threads:`
  /// The task is being reaped: NStgid is empty or holds a 0. Such a process has vanished.
  bool exiting = false;
  /// A kernel thread, by the kernel's own marks: `Kthread: 1` where the kernel prints that line
  /// (recent kernels); otherwise no `VmSize:` (no memory map of its own), a state other than
  /// zombie or dead, and kthreadd (PID 2) or nobody (PID 0) as its parent. The parent alone is
  /// not enough: kthreadd also starts user-mode helpers such as modprobe. The name means nothing.
  bool kernel_thread = false;

  /// A process that is neither a zombie nor dead: one that can still fork.
  [[nodiscard]] bool live() const noexcept { return state != 'Z' && state != 'X'; }
  /// A thread group that may still have a live thread. A leader that exited before the other
  /// threads (pthread_exit() in main, or de_thread() when another thread execs) stays a zombie,
  /// and its `Threads:` still counts the others until they are released; those may be exiting,
  /// or zombies that a tracer has not reaped (/proc/PID/task/TID/status tells).
  [[nodiscard]] bool group_may_live() const noexcept { return live() || threads > 1; }
};

/// A plain decimal that fills `s`, into `out` (left as it was on failure). An out-parameter
/// rather than std::optional: GCC -O2 may read a disengaged optional's payload speculatively,
/// which valgrind then reports as a jump on uninitialised memory.
template <typename Int>
[[nodiscard]] bool parse_decimal(std::string_view s, Int& out) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return false;  // no sign, no space
  Int value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return false;
  out = value;
  return true;
}

/// Takes the next line off the front of `text`, without its '\n' (the last may have none).
[[nodiscard]] std::string_view take_line(std::string_view& text) noexcept;

/// Parses a status file. nullopt if a required field (Name, PPid, Uid, NStgid) is missing or
/// malformed: numbers must be plain decimals that fill their field, and NStgid must hold at most
/// 33 PIDs (see ProcStatus::exiting for what an empty NStgid or a PID 0 means). For each key the
/// first occurrence wins (fs/proc/array.c prints each once).
[[nodiscard]] std::optional<ProcStatus> parse_status(std::string_view text);

/// The ids of a task read through /proc/TID/status: a thread that is not its process's leader is
/// not listed in /proc, but its directory can still be opened by number.
struct TaskIds {
  pid_t tgid = 0;   ///< `Tgid:`: the process it belongs to
  LevelPids nspid;  ///< `NSpid:`: its own ID at every level, outermost first
};
/// nullopt unless both lines are there and well-formed.
[[nodiscard]] std::optional<TaskIds> parse_task_ids(std::string_view status);

/// One line of /proc/PID/mountinfo (proc(5)), as views into it; paths keep their octal escapes.
struct MountInfoLine {
  std::uint64_t mount_id = 0;
  std::string_view root;           ///< field 4: the root of the mount within its filesystem
  std::string_view mountpoint;     ///< field 5, relative to the reading process's root
  std::string_view fstype;         ///< after the " - " separator
  std::string_view super_options;  ///< the last field, e.g. "rw,hidepid=invisible"
};
[[nodiscard]] std::optional<MountInfoLine> parse_mountinfo_line(std::string_view line);

/// A PID namespace bind-mounted somewhere (an nsfs mount whose root is "pid:[INODE]").
struct NsfsMount {
  std::uint64_t mount_id = 0;  ///< unique within the mount namespace that lists it
  std::string mountpoint;      ///< with mountinfo's octal escapes (\040 etc.) undone
  std::uint64_t ino = 0;
  friend bool operator==(const NsfsMount&, const NsfsMount&) = default;
};

/// The PID-namespace bind mounts listed in a /proc/PID/mountinfo text (proc(5)); lines that are
/// not nsfs mounts of PID namespaces, or are malformed, are skipped.
[[nodiscard]] std::vector<NsfsMount> parse_nsfs_mounts(std::string_view mountinfo);

/// A cgroup hierarchy mounted at its top (cgroups(7)): where the paths of /proc/PID/cgroup lines
/// of that hierarchy can be looked up.
struct CgroupMount {
  /// The hierarchy as /proc/PID/cgroup's second field names it: "" for cgroup v2, otherwise a v1
  /// mount's controllers and "name=" option, comma-separated, in mount option order.
  std::string controllers;
  std::string mountpoint;  ///< with mountinfo's octal escapes undone
  friend bool operator==(const CgroupMount&, const CgroupMount&) = default;
};

/// The cgroup2 and cgroup mounts of a mountinfo text whose root is "/": the top of the hierarchy
/// as the reader's cgroup namespace sees it, where the paths of /proc/PID/cgroup (relative to
/// that same namespace) begin. A mount of a subtree shows another root and is left out; so are
/// malformed lines.
[[nodiscard]] std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo);

/// How a procfs mount hides processes (proc(5), "hidepid="): kOff shows every /proc/PID
/// directory, kNoAccess shows them but denies their files to other users, kInvisible and
/// kPtraceable leave out of the listing every process the reader may not ptrace.
enum class HidePid { kOff, kNoAccess, kInvisible, kPtraceable };
/// The hidepid= option of mount `mount_id` in a mountinfo text; kOff when the mount is not
/// listed or has no such option. Linux before 5.8 prints the numbers 1, 2 (and no 4).
[[nodiscard]] HidePid procfs_hidepid(std::string_view mountinfo, std::uint64_t mount_id);

/// The PID named by a procfs directory entry: a positive decimal without sign or leading zero.
[[nodiscard]] std::optional<pid_t> parse_pid(std::string_view name);

/// The number of threads alive on the whole system, the denominator of /proc/loadavg's fourth
/// field ("2/10113": runnable/total, proc(5)); nullopt if the text is not of that form.
[[nodiscard]] std::optional<std::size_t> parse_loadavg_threads(std::string_view loadavg);

/// The effective capability set (`CapEff:`, hexadecimal) of a /proc/PID/status text; nullopt if
/// it is missing or malformed.
[[nodiscard]] std::optional<std::uint64_t> parse_cap_eff(std::string_view status);

/// Capability numbers (include/uapi/linux/capability.h).
inline constexpr int kCapNetAdmin = 12;
inline constexpr int kCapSysAdmin = 21;
inline constexpr int kCapPerfmon = 38;  ///< Linux 5.8
inline constexpr int kCapBpf = 39;      ///< Linux 5.8

}  // namespace pidns
