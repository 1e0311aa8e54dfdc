// nsfs: every namespace ioctl, and the checked open of nsfs paths others control.
#include "kernel/nsfs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/types.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>

#include <cerrno>
#include <string>

// Newer than Debian 12's <linux/nsfs.h>: the 64-bit namespace id of Linux 6.18, and the PID of a
// process of another namespace in the caller's (Linux 6.11; the argument is passed by value).
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(NSIO, 0xd, __u64)
#endif
#ifndef NS_GET_TGID_FROM_PIDNS
#define NS_GET_TGID_FROM_PIDNS _IOR(NSIO, 0x7, int)
#endif

namespace pidns {

NsOpener::NsOpener(int proc_root) {
  // Our own /proc, else the scanned procfs, which shows us if it belongs to our namespace or an
  // ancestor of it. Without either, check() cannot reopen and says so.
  for (auto [dir, path] : {std::pair{AT_FDCWD, "/proc/self/fd"}, std::pair{proc_root, "self/fd"}}) {
    try {
      self_fds_ = open_at(dir, path, O_DIRECTORY);
      return;
    } catch (const SysError&) {
    }
  }
}

UniqueFd NsOpener::open(int dir, const char* path, NsId expected) const {
  return check(open_path(dir, path), expected, path);
}

UniqueFd NsOpener::check(UniqueFd handle, NsId expected, std::string_view what) const {
  struct statfs fs {};
  if (::fstatfs(handle.get(), &fs) != 0) throw SysError(errno, "statfs " + std::string(what));
  if (fs.f_type != NSFS_MAGIC) {
    throw NotPidNamespace(std::string(what) + " is not a namespace file");
  }
  NsId id = ns_id_of(handle.get(), what);
  if ((expected.dev != 0 && expected.dev != id.dev) ||
      (expected.ino != 0 && expected.ino != id.ino)) {
    throw NotPidNamespace(std::string(what) + " changed while it was read");
  }
  if (!self_fds_)
    throw SysError(ENOENT, "open /proc/self/fd (to reopen " + std::string(what) + ")");
  UniqueFd fd = reopen(handle.get(), 0, self_fds_.get());
  if (ns_id_of(fd.get(), what) != id || ::ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWPID) {
    throw NotPidNamespace(std::string(what) + " is not a PID namespace file");
  }
  return fd;
}

UniqueFd open_parent_ns(int fd, const NsId& ns) {
  UniqueFd parent(::ioctl(fd, NS_GET_PARENT));
  if (parent) return parent;
  int err = errno;
  if (err == EPERM) return {};  // the top of what we may see
  if (err == ENOTTY || err == EINVAL || err == ENOSYS) {
    // Every descriptor handed here was checked to be a PID namespace: only an old kernel says this.
    throw std::runtime_error("ioctl NS_GET_PARENT is not supported: Linux 4.9 or later needed");
  }
  throw SysError(err, "ioctl NS_GET_PARENT on " + ns_label(ns));
}

std::optional<std::uint64_t> ns_unique_id(int fd) {
  std::uint64_t id = 0;
  if (::ioctl(fd, NS_GET_ID, &id) != 0) return std::nullopt;  // ENOTTY before Linux 6.18
  return id;
}

std::optional<pid_t> ns_init_pid(int fd) {
  int init = ::ioctl(fd, NS_GET_TGID_FROM_PIDNS, 1);  // ESRCH: its init is gone
  if (init <= 0) return std::nullopt;
  return init;
}

bool kernel_names_inits() {
  try {
    UniqueFd own = open_at(AT_FDCWD, "/proc/self/ns/pid");
    return ns_init_pid(own.get()).has_value();
  } catch (const SysError&) {
    return false;
  }
}

std::optional<Owner> ns_owner(int fd) {
  UniqueFd userns(::ioctl(fd, NS_GET_USERNS));  // EPERM: owner outside our scope
  if (!userns) return std::nullopt;
  uid_t uid = 0;
  if (::ioctl(userns.get(), NS_GET_OWNER_UID, &uid) != 0) return std::nullopt;
  return Owner{ns_id_of(userns.get(), "owner of a PID namespace"), uid};
}

}  // namespace pidns
