// model/: what pidns-tree knows, as plain data and pure functions: the Scan (this header, the one
// seam to the kernel), placement and inference (where processes and namespaces belong), the
// graph (the forest), the view (the part to show), resolve and translate (what the command line
// names). No I/O. Includes kernel/ and names/ only; never scan/, output/, watch/ or app/.
//
// scan: THE OS SEAM. Everything pidns-tree learns from the kernel arrives as one Scan, plain data
// that the model, the outputs and --watch take from here on.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel/nsfs.hpp"
#include "kernel/procfs.hpp"
#include "kernel/sys.hpp"
#include "names/container_label.hpp"

namespace pidns {

/// One process of the scanned procfs, with what its status file says.
struct Process {
  pid_t pid = 0;  ///< as the scanned procfs numbers it (its directory name)
  /// pid_for_children cannot be read yet: the new namespace waits for its first child, its init.
  /// Read only with ScanRequest::all. (Beside `pid`, where it costs no padding of its own.)
  bool children_pending = false;
  NsId ns;  ///< identity of /proc/PID/ns/pid
  /// Where the source can tell, a key that exactly the processes in the same cgroup of every
  /// hierarchy share (the BPF task iterator's css_set address), so that their one
  /// /proc/PID/cgroup text is read once; 0 where it cannot.
  std::uint64_t cgroup_key = 0;
  ProcStatus status;
  /// ns/pid_for_children when it differs from ns/pid: the process called unshare(CLONE_NEWPID)
  /// (or setns) and its children go there. Read only with ScanRequest::all.
  std::optional<NsId> children_ns;
};

/// Why a namespace without members still exists: something holds a reference to it.
struct Pin {
  enum class Kind { Fd, Mount, Children };
  Kind kind = Kind::Fd;
  pid_t pid = 0;           ///< the holder, as the scanned procfs numbers it
  int fd = -1;             ///< Kind::Fd: the descriptor number
  std::string mountpoint;  ///< Kind::Mount: where it is bind-mounted, in the holder's mounts
  friend bool operator==(const Pin&, const Pin&) = default;
};

/// What the kernel says about one PID namespace, found through a member or as an ancestor.
struct NsInfo {
  /// NS_GET_PARENT's answer; nullopt when it says EPERM: the top of what the caller may see, either
  /// the initial namespace or one whose parent lies outside the caller's own (ioctl_ns(2)).
  std::optional<NsId> parent;
  std::optional<std::uint64_t> unique_id;  ///< NS_GET_ID (Linux 6.18), if asked and known
  /// Its PID 1, as the caller's (and so the scanned procfs's) namespace numbers it, read with
  /// NS_GET_TGID_FROM_PIDNS where ScanRequest::statuses is false.
  std::optional<pid_t> init;
  std::optional<Owner> owner;  ///< if asked
  /// The container that /proc/PID/cgroup of its init (or first member) shows, recognised once,
  /// by the scan, with the names its engine's state files give (ScanRequest::host_root).
  std::optional<ContainerLabel> container;
  std::vector<Pin> pins;  ///< holders found with ScanRequest::all
};

/// How the scanned procfs relates to the PID namespace pidns-tree runs in.
struct ProcfsView {
  enum class Relation { Unknown, Same, Ancestor, Descendant, Unrelated };
  Relation relation = Relation::Unknown;
  int levels = 0;          ///< how many levels above (Ancestor) or below (Descendant) ours
  std::optional<NsId> ns;  ///< the procfs's own PID namespace, where it could be told
};

/// An nsfs bind mount of a PID namespace that --all found listed in a mountinfo but could not open
/// by its path: a later mount covers it, or the path leads elsewhere now.
struct UnreachableMount {
  pid_t pid = 0;           ///< the holder whose mountinfo lists it
  std::string mountpoint;  ///< as the holder sees it
  std::uint64_t ino = 0;   ///< the inode mountinfo names, "pid:[INO]"
};

/// A thread that is not its process's leader, named on the command line (--pid, --translate).
struct Task {
  pid_t tid = 0;
  pid_t tgid = 0;   ///< its process
  LevelPids nspid;  ///< its own ID at every level, outermost first
};

/// What a scan collects beyond processes and parents; each item costs system calls.
struct ScanRequest {
  bool owners = false;   ///< NS_GET_USERNS + NS_GET_OWNER_UID per namespace
  bool ids = false;      ///< NS_GET_ID for every namespace (climbs even where a parent is known)
  bool cgroups = false;  ///< one read of /proc/PID/cgroup per namespace
  bool all = false;      ///< pid_for_children, open fds and bind mounts of every process
  /// Container names from engines' state files below this directory (--host-root); empty: none.
  /// Needs `cgroups`.
  std::string host_root;
  /// host_root is only the default "/": names are skipped (Scan::names_skipped) when the procfs
  /// is not of pidns-tree's own PID namespace, whose files "/" holds.
  bool host_root_default = false;
  /// Collect Scan::engine_daemons even where no container is found (--watch names later ones).
  bool engine_daemons = false;
  /// nsfs files named on the command line (/proc/PID/ns/pid, a bind mount); each is climbed like
  /// a member's namespace, so it is in the tree even without members.
  std::vector<std::string> ns_paths;
  /// PIDs named on the command line: one that /proc does not list may be a thread (Scan::tasks).
  std::vector<pid_t> tids;
  /// false (--no-pids): the output needs namespaces, member counts and inits only. Where the
  /// procfs is of pidns-tree's own namespace and the kernel names inits (NS_GET_TGID_FROM_PIDNS,
  /// Linux 6.11), each process then costs a stat of its ns/pid and one of its task directory
  /// instead of a read of status, and Process::status holds only what follows from the climb:
  /// its NStgid length, its PID 1, its thread count. Status is read where ns/pid is denied.
  bool statuses = true;
  /// Worker threads that read processes, in chunks of the PID list (1: none).
  unsigned jobs = 1;
};

/// Everything one pass over a procfs found.
struct Scan {
  std::string proc_root;           ///< the procfs directory scanned
  std::vector<Process> processes;  ///< sorted by PID, each in the namespace its ns/pid names
  /// Processes whose ns/pid may not be read (no ptrace rights) and whose parent does not tell
  /// their namespace: Process::ns is empty, and the graph places them from their status.
  std::vector<Process> unplaced;
  /// /proc/PID/cgroup of the processes the graph's inference compares (inference.hpp): unplaced
  /// processes that may begin a namespace or join one (a PID 1, or a process one level below its
  /// parent), and a few read members of each namespace whose init was not read.
  std::unordered_map<pid_t, std::string> inference_cgroups;
  /// The containers of the unplaced inits among them, as NsInfo::container.
  std::unordered_map<pid_t, ContainerLabel> unplaced_labels;
  std::unordered_map<NsId, NsInfo, NsIdHash> namespaces;  ///< members' namespaces and ancestors
  std::vector<pid_t> inaccessible;                        ///< PIDs whose status may not be read
  std::vector<pid_t> malformed;                           ///< PIDs whose status we could not parse
  std::size_t vanished = 0;                               ///< processes that exited mid-scan
  std::optional<NsId> self;                               ///< the namespace pidns-tree runs in
  ProcfsView procfs;
  std::vector<NsId> named;                           ///< ScanRequest::ns_paths, resolved
  std::vector<Task> tasks;                           ///< ScanRequest::tids found to be threads
  HidePid hidepid = HidePid::kOff;                   ///< how the procfs mount hides processes
  std::vector<UnreachableMount> unreachable_mounts;  ///< with ScanRequest::all
  bool names_skipped = false;                        ///< see ScanRequest::host_root_default
  std::vector<EngineDaemon> engine_daemons;          ///< with host_root: dockerds and the like
};

/// The process with this PID in a list sorted by PID (Scan::processes, Scan::unplaced), or
/// nullptr.
[[nodiscard]] inline const Process* find_by_pid(const std::vector<Process>& by_pid, pid_t pid) {
  auto it = std::lower_bound(by_pid.begin(), by_pid.end(), pid,
                             [](const Process& p, pid_t wanted) { return p.pid < wanted; });
  return it != by_pid.end() && it->pid == pid ? &*it : nullptr;
}

/// Everything pidns-tree asks of the kernel. LinuxSource (scan/linux_source.hpp) reads procfs and
/// calls ioctl(2); unit tests hand the graph a Scan they wrote by hand.
class NsSource {
 public:
  virtual ~NsSource() = default;
  /// Reads every process and climbs from each namespace to the top of what can be seen.
  /// Throws (SysError or std::runtime_error) only for failures that make the whole run useless.
  [[nodiscard]] virtual Scan scan(const ScanRequest& request) = 0;
};

}  // namespace pidns
