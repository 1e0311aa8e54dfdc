// source: THE OS SEAM. Everything pidns-tree learns from the kernel arrives as one Scan.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "container.hpp"
#include "procfs.hpp"
#include "sys.hpp"

namespace pidns {

/// One process of the scanned procfs, with what its status file says.
struct Process {
  pid_t pid = 0;  ///< as the scanned procfs numbers it (its directory name)
  NsId ns;        ///< identity of /proc/PID/ns/pid
  ProcStatus status;
  /// ns/pid_for_children when it differs from ns/pid: the process called unshare(CLONE_NEWPID)
  /// (or setns) and its children go there. Read only with ScanRequest::all.
  std::optional<NsId> children_ns;
  /// pid_for_children cannot be read yet: the new namespace waits for its first child, its init.
  bool children_pending = false;
};

/// The user namespace that owns a PID namespace (NS_GET_USERNS) and its creator's UID
/// (NS_GET_OWNER_UID), as seen from the caller's user namespace.
struct Owner {
  NsId userns;
  uid_t uid = 0;
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
  std::optional<Owner> owner;              ///< if asked
  std::string cgroup;                      ///< /proc/PID/cgroup of its init (or first member)
  ContainerNames names;                    ///< of the container that cgroup shows, if asked
  std::vector<Pin> pins;                   ///< holders found with ScanRequest::all
};

/// How the scanned procfs relates to the PID namespace pidns-tree runs in.
struct ProcfsView {
  enum class Relation { Unknown, Same, Ancestor, Descendant, Unrelated };
  Relation relation = Relation::Unknown;
  int levels = 0;          ///< how many levels above (Ancestor) or below (Descendant) ours
  std::optional<NsId> ns;  ///< the procfs's own PID namespace, where it could be told
};

/// What a scan collects beyond processes and parents; each item costs system calls.
struct ScanRequest {
  bool owners = false;   ///< NS_GET_USERNS + NS_GET_OWNER_UID per namespace
  bool ids = false;      ///< NS_GET_ID per namespace
  bool cgroups = false;  ///< one read of /proc/PID/cgroup per namespace
  bool all = false;      ///< pid_for_children, open fds and bind mounts of every process
  /// Container names from engines' state files below this directory (--host-root); empty: none.
  /// Needs `cgroups`.
  std::string host_root;
  /// host_root is only the default "/": names are skipped (Scan::names_skipped) when the procfs
  /// is not of pidns-tree's own PID namespace, whose files "/" holds.
  bool host_root_default = false;
  /// nsfs files named on the command line (/proc/PID/ns/pid, a bind mount); each is climbed like
  /// a member's namespace, so it is in the tree even without members.
  std::vector<std::string> ns_paths;
};

/// Everything one pass over a procfs found.
struct Scan {
  std::string proc_root;                                  ///< the procfs directory scanned
  std::vector<Process> processes;                         ///< in directory order
  std::unordered_map<NsId, NsInfo, NsIdHash> namespaces;  ///< members' namespaces and ancestors
  std::vector<pid_t> inaccessible;                        ///< PIDs we were not allowed to inspect
  std::vector<pid_t> malformed;                           ///< PIDs whose status we could not parse
  std::size_t vanished = 0;                               ///< processes that exited mid-scan
  std::optional<NsId> self;                               ///< the namespace pidns-tree runs in
  ProcfsView procfs;
  std::vector<NsId> named;     ///< ScanRequest::ns_paths, resolved
  bool names_skipped = false;  ///< see ScanRequest::host_root_default
};

/// Everything pidns-tree asks of the kernel. LinuxSource reads procfs and calls ioctl(2); unit
/// tests hand the graph a Scan they wrote by hand.
class NsSource {
 public:
  virtual ~NsSource() = default;
  /// Reads every process and climbs from each namespace to the top of what can be seen.
  /// Throws (SysError or std::runtime_error) only for failures that make the whole run useless.
  [[nodiscard]] virtual Scan scan(const ScanRequest& request) = 0;
};

/// The real kernel: a procfs directory plus namespace ioctls.
class LinuxSource final : public NsSource {
 public:
  /// `require_procfs` false lets tests scan a fixture tree of plain files, whose ns/pid files
  /// answer NS_GET_PARENT with ENOTTY; those namespaces are then treated as tops.
  explicit LinuxSource(std::string proc_root = "/proc", bool require_procfs = true)
      : proc_root_(std::move(proc_root)), require_procfs_(require_procfs) {}
  [[nodiscard]] Scan scan(const ScanRequest& request) override;

 private:
  std::string proc_root_;
  bool require_procfs_;
};

}  // namespace pidns
