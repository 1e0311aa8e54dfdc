// ns_climber: PID namespace descriptors, opened so that nobody can make the open block or reach
// another file, and the NS_GET_PARENT climb from each namespace to the top of what can be seen.
#pragma once

#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include "kernel/sys.hpp"
#include "model/scan.hpp"

namespace pidns {

/// A path that was expected to name a PID namespace but names another file, another kind of
/// namespace, or another namespace than the one listed.
class NotPidNamespace : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Opens PID namespace files through paths that other users may control: /proc/PID/fd/N (its
/// owner can swap the descriptor), bind mounts (their parents can be covered or replaced by
/// symbolic links), and paths named on the command line.
class NsOpener {
 public:
  /// `proc_root`: the scanned procfs, whose self/fd serves for reopening when /proc is not ours.
  explicit NsOpener(int proc_root);

  /// open_path() of dir/path, then check().
  [[nodiscard]] UniqueFd open(int dir, const char* path, NsId expected) const;
  /// Turns an O_PATH handle into a descriptor the namespace ioctls accept, if it is the namespace
  /// expected: nsfs by fstatfs(2), the identity by fstat(2) (a zero dev or ino is not compared),
  /// then a read-only reopen through /proc/self/fd (the ioctls refuse O_PATH descriptors, and
  /// reopening the descriptor itself cannot reach another file), then NS_GET_NSTYPE. Throws
  /// NotPidNamespace when it is something else, SysError when a system call fails.
  [[nodiscard]] UniqueFd check(UniqueFd handle, NsId expected, std::string_view what) const;

 private:
  UniqueFd self_fds_;  // /proc/self/fd
};

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
  /// Whether the kernel names a namespace's PID 1 to the caller (NS_GET_TGID_FROM_PIDNS, Linux
  /// 6.11), tried on the caller's own namespace.
  [[nodiscard]] static bool names_inits();
  /// Whether `ns` is recorded with its NS_GET_ID, so that same_as_recorded() can tell.
  [[nodiscard]] bool has_unique_id(const NsId& ns) const;

 private:
  void describe(int fd, NsInfo& info) const;

  std::unordered_map<NsId, NsInfo, NsIdHash>& namespaces_;
  const ScanRequest& request_;
};

}  // namespace pidns
