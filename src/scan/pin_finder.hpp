// pin_finder: namespaces that no process lives in, found by what holds them (--all): an open
// descriptor, a bind mount, or a process's ns/pid_for_children.
#pragma once

#include <cstdint>
#include <set>
#include <utility>

#include "kernel/nsfs.hpp"
#include "model/scan.hpp"
#include "scan/ns_climber.hpp"

namespace pidns {

class PinFinder {
 public:
  PinFinder(int proc_root, const NsOpener& opener, NsClimber& climber, Scan& scan)
      : root_(proc_root), opener_(opener), climber_(climber), scan_(scan) {}

  /// Looks at every process of the scan: its pid_for_children (marking Process::children_ns and
  /// children_pending), its descriptors, and the bind mounts of each mount namespace and root.
  void find();

 private:
  void read_children_ns(Process& p);
  void find_fds(pid_t pid);
  void find_mounts(pid_t pid);
  void add_pin(const NsId& ns, Pin pin);

  int root_;
  const NsOpener& opener_;
  NsClimber& climber_;
  Scan& scan_;
  // (mount namespace, root directory) pairs whose mountinfo was read, and the nsfs mounts seen
  // per mount namespace, by mount id.
  std::set<std::pair<NsId, NsId>> views_read_;
  std::set<std::pair<NsId, std::uint64_t>> mounts_seen_;
};

}  // namespace pidns
