// nsfs: the one home of every namespace ioctl (ioctl_ns(2)) and of the checked open that makes a
// path others control safe to hand to them. The scan and --watch both ask the kernel through here.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "kernel/sys.hpp"

namespace pidns {

/// The fixed inode numbers of the initial namespaces' nsfs files (PROC_PID_INIT_INO,
/// PROC_USER_INIT_INO in include/linux/proc_ns.h): no other namespace ever has them.
inline constexpr ino_t kInitialPidNsIno = 0xEFFFFFFCu;
inline constexpr ino_t kInitialUserNsIno = 0xEFFFFFFDu;

/// A path that was expected to name a PID namespace but names another file, another kind of
/// namespace, or another namespace than the one listed.
class NotPidNamespace : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Opens PID namespace files through paths that other users may control: /proc/PID/fd/N (its
/// owner can swap the descriptor), /proc/PID/ns/pid (the PID can be reused), bind mounts (their
/// parents can be covered or replaced by symbolic links), and paths named on the command line.
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

/// NS_GET_PARENT (Linux 4.9) on the PID namespace `fd` holds, whose identity is `ns` (for
/// messages): its parent, or an empty UniqueFd where the kernel says EPERM, the top of what the
/// caller may see (the initial namespace, or one whose parent lies outside the caller's own).
/// Throws std::runtime_error on a kernel without the ioctl, SysError for anything else.
[[nodiscard]] UniqueFd open_parent_ns(int fd, const NsId& ns);

/// NS_GET_ID (Linux 6.18): a 64-bit id that, unlike an inode, is never reused; nullopt where the
/// kernel does not have it.
[[nodiscard]] std::optional<std::uint64_t> ns_unique_id(int fd);

/// NS_GET_TGID_FROM_PIDNS (Linux 6.11): the PID of the namespace's PID 1 as the caller's
/// namespace numbers it; nullopt where the kernel does not have it or the init is gone.
[[nodiscard]] std::optional<pid_t> ns_init_pid(int fd);

/// Whether this kernel answers ns_init_pid(), tried on the caller's own namespace.
[[nodiscard]] bool kernel_names_inits();

/// The user namespace that owns a PID namespace (NS_GET_USERNS, 4.9) and its creator's UID
/// (NS_GET_OWNER_UID, 4.11), as seen from the caller's user namespace.
struct Owner {
  NsId userns;
  uid_t uid = 0;
};
/// nullopt where the owner lies outside the caller's scope (EPERM) or the kernel cannot tell.
[[nodiscard]] std::optional<Owner> ns_owner(int fd);

}  // namespace pidns
