// ns_climber: the NS_GET_PARENT climb from each namespace to the top of what can be seen, and what
// else the kernel tells of each namespace on the way (kernel/nsfs.hpp asks it).
#pragma once

#include <optional>
#include <unordered_map>

#include "kernel/sys.hpp"
#include "model/scan.hpp"

namespace pidns {

/// How many parent links lead from `ns` up to the namespace pidns-tree runs in (Scan::self), as
/// recorded in Scan::namespaces so far: nullopt from the top of what was climbed, from another
/// branch, or where our own namespace is unknown.
[[nodiscard]] std::optional<int> levels_below_self(const Scan& scan, NsId ns);

/// Climbs namespaces into Scan::namespaces, each one once, holding at most two descriptors.
class NsClimber {
 public:
  NsClimber(std::unordered_map<NsId, NsInfo, NsIdHash>& namespaces, const ScanRequest& request)
      : namespaces_(namespaces), request_(request) {}

  [[nodiscard]] bool known(const NsId& ns) const { return namespaces_.contains(ns); }
  /// Records `ns` (held by `fd`, not known yet) and walks NS_GET_PARENT up to a namespace already
  /// known or to the top of what the caller may see (EPERM, ioctl_ns(2)).
  void climb(NsId ns, UniqueFd fd);
  /// Records `ns` as a child of `parent`, which is known, without asking the kernel.
  void add_child(const NsId& ns, const NsId& parent);
  /// Whether `fd` names the namespace recorded as `ns`, and not a younger one that was given the
  /// inode after the recorded one died mid-scan: NS_GET_ID ids are never reused (Linux 6.18).
  /// True where the kernel cannot tell.
  [[nodiscard]] bool same_as_recorded(const NsId& ns, int fd) const;
  /// Whether `ns` is recorded with its NS_GET_ID, so that same_as_recorded() can tell.
  [[nodiscard]] bool has_unique_id(const NsId& ns) const;

 private:
  void describe(int fd, NsInfo& info) const;

  std::unordered_map<NsId, NsInfo, NsIdHash>& namespaces_;
  const ScanRequest& request_;
};

}  // namespace pidns
