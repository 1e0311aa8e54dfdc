// pin_finder: namespaces held by descriptors, bind mounts and pid_for_children (--all).
#include "scan/pin_finder.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace pidns {
void PinFinder::find() {
  for (Process& p : scan_.processes) {
    try {
      read_children_ns(p);
      find_fds(p.pid);
      find_mounts(p.pid);
    } catch (const SysError& e) {
      if (!gone_or_denied(e)) throw;
    }
  }
}

// After unshare(CLONE_NEWPID) a process's children go to a new namespace. The link reads ENOENT
// until that namespace has its init (its first child), but also for a task that has exited and
// dropped its namespaces (pidns_for_children_get() in kernel/pid_namespace.c): only a live
// process is waiting for its first child.
void PinFinder::read_children_ns(Process& p) {
  PidPath path(p.pid, "/ns/pid_for_children");
  try {
    NsId children = ns_id_at(root_, path.c_str());
    if (children == p.ns) return;
    if (!climber_.known(children)) {
      climber_.climb(children, opener_.open(root_, path.c_str(), children));
    }
    p.children_ns = children;
    add_pin(children, Pin{Pin::Kind::Children, p.pid, -1, {}});
  } catch (const NotPidNamespace&) {
    // ns/pid_for_children is the kernel's own link: a mismatch means the process changed it
    // between the stat and the open (setns), or its PID was reused. Nothing to report.
  } catch (const SysError& e) {
    if (e.err() != ENOENT) throw;
    ReadBuffer buf;
    std::optional<ProcStatus> now =
        parse_status(read_proc_file(root_, PidPath(p.pid, "/status"), buf, ProcText::kWhole));
    p.children_pending = now && !now->exiting && now->live();
  }
}

void PinFinder::find_fds(pid_t pid) {
  PidPath dir_path(pid, "/fd");
  UniqueFd dir_fd = open_at(root_, dir_path.c_str(), O_DIRECTORY);
  int list = ::dup(dir_fd.get());
  if (list < 0) throw SysError(errno, "dup");
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(list), ::closedir);
  if (!dir) {
    ::close(list);
    throw SysError(errno, std::string("opendir ") + dir_path.c_str());
  }
  char target[64];
  while (const dirent* entry = ::readdir(dir.get())) {
    if (entry->d_name[0] == '.') continue;
    ssize_t n = ::readlinkat(dir_fd.get(), entry->d_name, target, sizeof target - 1);
    std::string_view link(target, n > 0 ? static_cast<std::size_t>(n) : 0);
    if (!link.starts_with("pid:[") || !link.ends_with("]")) continue;
    std::uint64_t ino = 0;
    if (!parse_decimal(link.substr(5, link.size() - 6), ino)) continue;
    try {
      // The owner may have swapped the descriptor for a FIFO or a device since the readlink:
      // the opener neither blocks on it nor opens it, and checks it is still that namespace.
      UniqueFd fd = opener_.open(dir_fd.get(), entry->d_name, NsId{0, ino});
      NsId ns = ns_id_of(fd.get(), dir_path.c_str());
      if (!climber_.known(ns)) climber_.climb(ns, std::move(fd));
      int number = 0;
      std::from_chars(entry->d_name, entry->d_name + std::strlen(entry->d_name), number);
      add_pin(ns, Pin{Pin::Kind::Fd, pid, number, {}});
    } catch (const NotPidNamespace&) {
      // swapped or closed meanwhile: it no longer holds that namespace
    } catch (const SysError& e) {
      if (!gone_or_denied(e)) throw;
    }
  }
}

// A process's mountinfo lists the mounts of its mount namespace under its own root, as it sees
// them: a chrooted process sees only those below its root. So it is read once per mount namespace
// and root directory, and a mount (by id, unique within its namespace) is taken once. Most
// processes share a view already read: for them two stats decide, and nothing is opened.
void PinFinder::find_mounts(pid_t pid) {
  NsId mnt = ns_id_at(root_, PidPath(pid, "/ns/mnt"));
  PidPath root_path(pid, "/root");
  NsId root_id = ns_id_at(root_, root_path.c_str());
  if (!views_read_.emplace(mnt, root_id).second) return;
  UniqueFd root = open_at(root_, root_path.c_str(), O_PATH | O_DIRECTORY);
  if (ns_id_of(root.get(), root_path.c_str()) != root_id) {  // the PID was reused meanwhile
    views_read_.erase({mnt, root_id});
    return;
  }
  ReadBuffer buf;
  std::string_view mountinfo =
      read_proc_file(root_, PidPath(pid, "/mountinfo"), buf, ProcText::kRecords);
  for (const NsfsMount& m : parse_nsfs_mounts(mountinfo)) {
    if (!mounts_seen_.emplace(mnt, m.mount_id).second) continue;
    try {
      // Through the holder's root, as the holder sees it: openat2 keeps every symbolic link and
      // ".." inside that root, and the opener checks that what it reached is the mounted
      // namespace, not a file or directory that a later mount put over it.
      UniqueFd fd = opener_.check(open_path_in_root(root.get(), m.mountpoint.c_str()),
                                  NsId{0, m.ino}, m.mountpoint);
      NsId ns = ns_id_of(fd.get(), m.mountpoint);
      if (!climber_.known(ns)) climber_.climb(ns, std::move(fd));
      add_pin(ns, Pin{Pin::Kind::Mount, pid, -1, m.mountpoint});
    } catch (const NotPidNamespace&) {
      scan_.unreachable_mounts.push_back({pid, m.mountpoint, m.ino});
    } catch (const SysError& e) {
      // Whatever its owner did to the path (covered it with a file: ENOTDIR; with a directory
      // that lacks it: ENOENT; a symbolic link loop, a mode 000 directory) leaves the mount in
      // place but out of reach, and must not end the run. Only a lack of resources does.
      if (e.err() == EMFILE || e.err() == ENFILE || e.err() == ENOMEM) throw;
      scan_.unreachable_mounts.push_back({pid, m.mountpoint, m.ino});
    }
  }
}

void PinFinder::add_pin(const NsId& ns, Pin pin) {
  std::vector<Pin>& pins = scan_.namespaces[ns].pins;
  if (std::find(pins.begin(), pins.end(), pin) == pins.end()) pins.push_back(std::move(pin));
}

}  // namespace pidns
