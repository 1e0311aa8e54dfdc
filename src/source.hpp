// source: THE OS SEAM. Everything pidns-tree learns from the kernel arrives as one Scan.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "procfs.hpp"
#include "sys.hpp"

namespace pidns {

/// One process of the scanned procfs, with what its status file says.
struct Process {
  pid_t pid = 0;     ///< as the scanned procfs numbers it (its directory name)
  NsId ns;           ///< identity of /proc/PID/ns/pid
  ProcStatus status;
};

/// What the kernel says about one PID namespace, found through a member or as an ancestor.
struct NsInfo {
  /// NS_GET_PARENT's answer; nullopt when it says EPERM: the top of what the caller may see, either
  /// the initial namespace or one whose parent lies outside the caller's own (ioctl_ns(2)).
  std::optional<NsId> parent;
};

/// Everything one pass over a procfs found.
struct Scan {
  std::string proc_root;                            ///< the procfs directory scanned
  std::vector<Process> processes;                   ///< in directory order
  std::unordered_map<NsId, NsInfo, NsIdHash> namespaces;  ///< members' namespaces and ancestors
  std::vector<pid_t> inaccessible;                  ///< PIDs we were not allowed to inspect
  std::vector<pid_t> malformed;                     ///< PIDs whose status we could not parse
  std::size_t vanished = 0;                         ///< processes that exited mid-scan
  std::optional<NsId> self;                         ///< the namespace pidns-tree runs in
};

/// Everything pidns-tree asks of the kernel. LinuxSource reads procfs and calls ioctl(2); unit
/// tests hand the graph a Scan they wrote by hand.
class NsSource {
 public:
  virtual ~NsSource() = default;
  /// Reads every process and climbs from each namespace to the top of what can be seen.
  /// Throws (SysError or std::runtime_error) only for failures that make the whole run useless.
  [[nodiscard]] virtual Scan scan() = 0;
};

/// The real kernel: a procfs directory plus namespace ioctls.
class LinuxSource final : public NsSource {
 public:
  /// `require_procfs` false lets tests scan a fixture tree of plain files, whose ns/pid files
  /// answer NS_GET_PARENT with ENOTTY; those namespaces are then treated as tops.
  explicit LinuxSource(std::string proc_root = "/proc", bool require_procfs = true)
      : proc_root_(std::move(proc_root)), require_procfs_(require_procfs) {}
  [[nodiscard]] Scan scan() override;

 private:
  void climb(NsId ns, UniqueFd fd, Scan& scan);

  std::string proc_root_;
  bool require_procfs_;
};

}  // namespace pidns
