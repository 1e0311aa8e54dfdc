// procfs: pure parsers of the kernel's /proc text. No I/O; they never throw.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pidns {

/// PID namespaces nest at most 32 levels below the initial one (MAX_PID_NS_LEVEL in
/// include/linux/pid_namespace.h), so a process has at most 33 NStgid fields.
inline constexpr int kMaxPidNsLevel = 32;

/// What pidns-tree takes from /proc/PID/status.
struct ProcStatus {
  std::string name;           ///< `Name:` with the kernel's escaping of '\n' and '\\' undone
  pid_t ppid = 0;             ///< `PPid:`, as the scanned procfs numbers it (0: outside it)
  uid_t uid = 0;              ///< real UID, the first field of `Uid:`
  std::vector<pid_t> nstgid;  ///< `NStgid:`, outermost visible level first, own level last
  unsigned threads = 1;       ///< `Threads:`
  /// The task is being reaped: NStgid is empty or holds a 0. Such a process has vanished.
  bool exiting = false;
  /// `State:` Z (zombie) or X (dead): it has exited and waits for its parent to reap it. A
  /// namespace whose init is such a zombie is dead, though procfs still shows it (--watch).
  bool exited = false;
};

/// Takes the next line off the front of `text`, without its '\n' (the last may have none).
[[nodiscard]] std::string_view take_line(std::string_view& text) noexcept;

/// Parses a status file. nullopt if a required field (Name, PPid, Uid, NStgid) is missing or
/// malformed: numbers must be plain decimals that fill their field, and NStgid must hold at most
/// 33 PIDs (see ProcStatus::exiting for what an empty NStgid or a PID 0 means). For each key the
/// first occurrence wins (fs/proc/array.c prints each once).
[[nodiscard]] std::optional<ProcStatus> parse_status(std::string_view text);

/// A PID namespace bind-mounted somewhere (an nsfs mount whose root is "pid:[INODE]").
struct NsfsMount {
  std::string mountpoint;  ///< with mountinfo's octal escapes (\040 etc.) undone
  std::uint64_t ino = 0;
  friend bool operator==(const NsfsMount&, const NsfsMount&) = default;
};

/// The PID-namespace bind mounts listed in a /proc/PID/mountinfo text (proc(5)); lines that are
/// not nsfs mounts of PID namespaces, or are malformed, are skipped.
[[nodiscard]] std::vector<NsfsMount> parse_nsfs_mounts(std::string_view mountinfo);

/// The PID named by a procfs directory entry: a positive decimal without sign or leading zero.
[[nodiscard]] std::optional<pid_t> parse_pid(std::string_view name);

}  // namespace pidns
