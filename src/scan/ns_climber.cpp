// ns_climber: safe namespace descriptors and the NS_GET_PARENT climb.
#include "scan/ns_climber.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/types.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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
namespace {

// Calls an ioctl that returns a new namespace fd; an empty UniqueFd with errno set on failure.
UniqueFd ns_ioctl_fd(int fd, unsigned long request) { return UniqueFd(::ioctl(fd, request)); }

std::optional<std::uint64_t> unique_id_of(int fd) {
  std::uint64_t id = 0;
  if (::ioctl(fd, NS_GET_ID, &id) != 0) return std::nullopt;  // ENOTTY before Linux 6.18
  return id;
}

}  // namespace

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

void NsClimber::climb(NsId ns, UniqueFd fd) {
  for (int depth = 0;; ++depth) {
    NsInfo& info = namespaces_[ns];
    describe(fd.get(), info);
    UniqueFd parent = ns_ioctl_fd(fd.get(), NS_GET_PARENT);
    if (!parent) {
      int err = errno;
      if (err == EPERM) return;  // the top of what we may see: info.parent stays empty
      if (err == ENOTTY || err == EINVAL || err == ENOSYS) {
        // Every descriptor here was checked to be a PID namespace: only an old kernel says this.
        throw std::runtime_error("ioctl NS_GET_PARENT is not supported: Linux 4.9 or later needed");
      }
      throw SysError(err, "ioctl NS_GET_PARENT on " + ns_label(ns));
    }
    NsId up = ns_id_of(parent.get(), "parent of " + ns_label(ns));
    info.parent = up;
    if (known(up)) return;
    if (depth >= kMaxPidNsLevel) {
      throw std::runtime_error("PID namespaces nested deeper than the kernel's 32 levels");
    }
    ns = up;
    fd = std::move(parent);
  }
}

void NsClimber::add_child(const NsId& ns, const NsId& parent) { namespaces_[ns].parent = parent; }

bool NsClimber::same_as_recorded(const NsId& ns, int fd) const {
  auto it = namespaces_.find(ns);
  if (it == namespaces_.end() || !it->second.unique_id) return true;
  std::optional<std::uint64_t> id = unique_id_of(fd);
  return !id || *id == *it->second.unique_id;
}

bool NsClimber::names_inits() {
  try {
    UniqueFd own = open_at(AT_FDCWD, "/proc/self/ns/pid");
    return ::ioctl(own.get(), NS_GET_TGID_FROM_PIDNS, 1) > 0;
  } catch (const SysError&) {
    return false;
  }
}

bool NsClimber::has_unique_id(const NsId& ns) const {
  auto it = namespaces_.find(ns);
  return it != namespaces_.end() && it->second.unique_id.has_value();
}

// What else the kernel tells about a namespace, on the fd we hold anyway. The id is always asked:
// it is what tells a recycled inode apart (same_as_recorded). Older kernels answer ENOTTY; then
// the field stays empty, never zero.
void NsClimber::describe(int fd, NsInfo& info) const {
  info.unique_id = unique_id_of(fd);
  if (!request_.statuses) {
    int init = ::ioctl(fd, NS_GET_TGID_FROM_PIDNS, 1);  // ESRCH: its init is gone
    if (init > 0) info.init = init;
  }
  if (request_.owners) {
    UniqueFd userns = ns_ioctl_fd(fd, NS_GET_USERNS);  // EPERM: owner outside our scope
    if (!userns) return;
    uid_t uid = 0;
    if (::ioctl(userns.get(), NS_GET_OWNER_UID, &uid) != 0) return;
    info.owner = Owner{ns_id_of(userns.get(), "owner of a PID namespace"), uid};
  }
}

}  // namespace pidns
