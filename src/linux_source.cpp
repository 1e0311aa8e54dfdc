// linux_source: the real kernel behind NsSource: a procfs directory plus ioctl_ns(2).
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/types.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "name_finder.hpp"
#include "source.hpp"

// Newer than Debian 12's <linux/nsfs.h>: the 64-bit namespace id of Linux 6.18.
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(NSIO, 0xd, __u64)
#endif

namespace pidns {
namespace {

// status is about 1.5 KiB; a process with thousands of supplementary groups makes it longer, and
// then read_file() reads on until end of file.
constexpr std::size_t kReadSize = 16 * 1024;

enum class Failure { Vanished, Denied };

// Sorts a failed per-process system call: a process that exits mid-scan is normal, one we may not
// inspect is counted, and anything else (EMFILE, EIO, ...) breaks the whole run.
Failure classify(const SysError& e) {
  switch (e.err()) {
    case ENOENT:
    case ESRCH:
      return Failure::Vanished;
    case EACCES:
    case EPERM:
      return Failure::Denied;
    default:
      throw e;
  }
}

// "PID" + suffix in a fixed buffer: no heap traffic in the per-process loop.
struct ProcPath {
  char buf[64];
  ProcPath(const char* pid, const char* suffix) {
    std::size_t n = std::strlen(pid);
    std::memcpy(buf, pid, n);
    std::strcpy(buf + n, suffix);
  }
  operator const char*() const { return buf; }
};

// Reads a whole procfs file. A short first read is the whole file: seq_file generates files such
// as status in one go on the first read, so the common case is one read(2).
std::string_view read_file(int dir, const char* path, ReadBuffer& buf) {
  UniqueFd fd = open_at(dir, path);
  buf.clear();
  if (buf.read_more(fd.get(), kReadSize, path) == kReadSize) {
    while (buf.read_more(fd.get(), kReadSize, path) > 0) {
    }
  }
  return buf.view();
}

UniqueFd open_root(const std::string& path, bool require_procfs) {
  UniqueFd fd = open_at(AT_FDCWD, path.c_str(), O_DIRECTORY);
  struct statfs fs {};
  if (::fstatfs(fd.get(), &fs) != 0) throw SysError(errno, "statfs " + path);
  if (require_procfs && fs.f_type != PROC_SUPER_MAGIC) {
    throw std::runtime_error(path + " is not a procfs mount (mount -t proc proc DIR makes one)");
  }
  return fd;
}

// Calls an ioctl that returns a new namespace fd; an empty UniqueFd with errno set on failure.
UniqueFd ns_ioctl_fd(int fd, unsigned long request) { return UniqueFd(::ioctl(fd, request)); }

// One pass over one procfs. Owns the per-run state that LinuxSource::scan() must not keep.
class Scanner {
 public:
  Scanner(const std::string& proc_root, bool require_procfs, const ScanRequest& request)
      : root_(open_root(proc_root, require_procfs)),
        require_procfs_(require_procfs),
        request_(request) {
    scan_.proc_root = proc_root;
  }

  Scan run() {
    find_self();
    resolve_named();
    read_processes();
    if (request_.all) find_pinned();
    if (request_.cgroups) read_cgroups();
    find_procfs_view();
    if (request_.cgroups && !request_.host_root.empty()) read_names();
    return std::move(scan_);
  }

 private:
  // The namespace we run in. ROOT/self exists only if this procfs can see us; /proc may not be
  // mounted at all in a container. Identity is global, so either path gives the same answer.
  void find_self() {
    for (auto [dir, path] :
         {std::pair{root_.get(), "self/ns/pid"}, std::pair{AT_FDCWD, "/proc/self/ns/pid"}}) {
      try {
        scan_.self = ns_id_at(dir, path);
        return;
      } catch (const SysError&) {
      }
    }
  }

  // Files named on the command line: errors here are the user's to fix, so they are fatal.
  void resolve_named() {
    for (const std::string& path : request_.ns_paths) {
      UniqueFd fd = open_at(AT_FDCWD, path.c_str());
      int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
      if (type != CLONE_NEWPID) {
        throw std::runtime_error(path + " is not a PID namespace file (such as /proc/PID/ns/pid)");
      }
      NsId ns = ns_id_of(fd.get(), path);
      if (!scan_.namespaces.contains(ns)) climb(ns, std::move(fd));
      scan_.named.push_back(ns);
    }
  }

  void read_processes() {
    // readdir on its own descriptor, so that root_ stays usable for openat().
    UniqueFd list_fd = open_at(root_.get(), ".", O_DIRECTORY);
    DIR* dir = ::fdopendir(list_fd.get());
    if (dir == nullptr) throw SysError(errno, "opendir " + scan_.proc_root);
    (void)list_fd.release();
    std::unique_ptr<DIR, int (*)(DIR*)> dir_owner(dir, ::closedir);

    ReadBuffer buf;
    errno = 0;
    while (const dirent* entry = ::readdir(dir)) {
      if (std::optional<pid_t> pid = parse_pid(entry->d_name))
        read_process(*pid, entry->d_name, buf);
      errno = 0;
    }
    if (errno != 0) throw SysError(errno, "readdir " + scan_.proc_root);
  }

  void read_process(pid_t pid, const char* name, ReadBuffer& buf) {
    try {
      std::optional<ProcStatus> status =
          parse_status(read_file(root_.get(), ProcPath(name, "/status"), buf));
      if (!status) {
        scan_.malformed.push_back(pid);
        return;
      }
      if (status->exiting) {
        ++scan_.vanished;
        return;
      }
      std::optional<NsId> ns = namespace_from_parent(*status);
      if (!ns) {
        ProcPath ns_path(name, "/ns/pid");
        ns = ns_id_at(root_.get(), ns_path);
        if (!scan_.namespaces.contains(*ns) && !place_by_parent(*ns, *status)) {
          climb(*ns, open_at(root_.get(), ns_path));
        }
      }
      Process p{pid, *ns, std::move(*status), std::nullopt, false};
      if (request_.all) read_children_ns(name, p);
      scan_.processes.push_back(std::move(p));
    } catch (const SysError& e) {
      if (classify(e) == Failure::Denied) {
        scan_.inaccessible.push_back(pid);
      } else {
        ++scan_.vanished;
      }
    }
  }

  // A process lives in its parent's PID namespace or in a descendant of it: fork() and clone()
  // put the child in the parent's pid_ns_for_children, which is the parent's namespace or a
  // child of it, setns(2) only ever moves that down, and an orphan's new parent is a reaper in
  // the dead parent's own namespace (find_new_reaper() in kernel/exit.c). So a child at the same
  // level as its parent, by NStgid length, shares its namespace, and its ns/pid need not be
  // looked at: most processes cost three system calls instead of four. The parent must already
  // have been read; parents mostly come first.
  std::optional<NsId> namespace_from_parent(const ProcStatus& status) const {
    const Process* parent = already_read(status.ppid);
    if (parent == nullptr || parent->status.nstgid.size() != status.nstgid.size()) return {};
    return parent->ns;
  }

  // The process with this PID if it was read already: /proc lists PIDs in ascending order
  // (proc_pid_readdir()), so scan_.processes is sorted by PID.
  const Process* already_read(pid_t pid) const {
    const std::vector<Process>& read = scan_.processes;
    auto it = std::lower_bound(read.begin(), read.end(), pid,
                               [](const Process& p, pid_t wanted) { return p.pid < wanted; });
    return it == read.end() || it->pid != pid ? nullptr : &*it;
  }

  // The same rule one level up: a new namespace whose member's parent process lives exactly one
  // level higher is a child of that process's namespace, and NS_GET_PARENT (open, ioctl, fstat,
  // two closes) need not be asked. Only where the kernel would have answered, though: when that
  // parent namespace is ours or lies below ours (ioctl_ns(2)); elsewhere it would say EPERM, and
  // what procfs still tells is the graph's to infer and mark. Owners and ids need the fd anyway.
  bool place_by_parent(const NsId& ns, const ProcStatus& status) {
    if (request_.owners || request_.ids || !scan_.self) return false;
    const Process* parent = already_read(status.ppid);
    if (parent == nullptr || parent->status.nstgid.size() + 1 != status.nstgid.size()) {
      return false;
    }
    int depth = 0;
    for (std::optional<NsId> up = parent->ns; up && depth <= kMaxPidNsLevel; ++depth) {
      if (*up == *scan_.self) {
        scan_.namespaces[ns].parent = parent->ns;
        return true;
      }
      up = scan_.namespaces.at(*up).parent;
    }
    return false;
  }

  // After unshare(CLONE_NEWPID) a process's children go to a new namespace; the link reads
  // ENOENT until that namespace has its init (its first child): see pidns_for_children_get().
  void read_children_ns(const char* name, Process& p) {
    ProcPath path(name, "/ns/pid_for_children");
    try {
      NsId children = ns_id_at(root_.get(), path);
      if (children == p.ns) return;
      p.children_ns = children;
      if (!scan_.namespaces.contains(children)) climb(children, open_at(root_.get(), path));
      add_pin(children, Pin{Pin::Kind::Children, p.pid, -1, {}});
    } catch (const SysError& e) {
      if (e.err() == ENOENT) p.children_pending = true;
    }
  }

  // Walks NS_GET_PARENT from a namespace not seen before up to one already known or to the top,
  // so each namespace is climbed once and at most two namespace fds are open at any time.
  void climb(NsId ns, UniqueFd fd) {
    for (int depth = 0;; ++depth) {
      NsInfo& info = scan_.namespaces[ns];
      describe(fd.get(), info);
      UniqueFd parent = ns_ioctl_fd(fd.get(), NS_GET_PARENT);
      if (!parent) {
        int err = errno;
        if (err == EPERM) return;  // the top of what we may see: info.parent stays empty
        if ((err == ENOTTY || err == EINVAL) && !require_procfs_) return;  // test fixtures
        if (err == ENOTTY || err == EINVAL || err == ENOSYS) {
          throw std::runtime_error(
              "ioctl NS_GET_PARENT is not supported: Linux 4.9 or later needed");
        }
        throw SysError(err, "ioctl NS_GET_PARENT on " + ns_label(ns));
      }
      NsId up = ns_id_of(parent.get(), "parent of " + ns_label(ns));
      info.parent = up;
      if (scan_.namespaces.contains(up)) return;
      if (depth >= kMaxPidNsLevel) {
        throw std::runtime_error("PID namespaces nested deeper than the kernel's 32 levels");
      }
      ns = up;
      fd = std::move(parent);
    }
  }

  // What else the kernel tells about a namespace, on the fd we hold anyway. Older kernels answer
  // ENOTTY (NS_GET_ID before 6.18); then the field stays empty, never zero.
  void describe(int fd, NsInfo& info) {
    if (request_.ids) {
      std::uint64_t id = 0;
      if (::ioctl(fd, NS_GET_ID, &id) == 0) info.unique_id = id;
    }
    if (request_.owners) {
      UniqueFd userns = ns_ioctl_fd(fd, NS_GET_USERNS);  // EPERM: owner outside our scope
      if (!userns) return;
      uid_t uid = 0;
      if (::ioctl(userns.get(), NS_GET_OWNER_UID, &uid) != 0) return;
      info.owner = Owner{ns_id_of(userns.get(), "owner of a PID namespace"), uid};
    }
  }

  void add_pin(const NsId& ns, Pin pin) {
    std::vector<Pin>& pins = scan_.namespaces[ns].pins;
    if (std::find(pins.begin(), pins.end(), pin) == pins.end()) pins.push_back(std::move(pin));
  }

  // Namespaces held only by an open descriptor or a bind mount have no member to find them
  // by: look at every process's fds, and at the mounts of every mount namespace once.
  void find_pinned() {
    std::unordered_map<NsId, bool, NsIdHash> mount_namespaces_seen;
    ReadBuffer buf;
    for (const Process& p : scan_.processes) {
      std::string pid = std::to_string(p.pid);
      try {
        find_pinning_fds(pid, p.pid);
        NsId mnt = ns_id_at(root_.get(), ProcPath(pid.c_str(), "/ns/mnt"));
        if (!mount_namespaces_seen.try_emplace(mnt, true).second) continue;
        std::string_view mountinfo =
            read_file(root_.get(), ProcPath(pid.c_str(), "/mountinfo"), buf);
        for (const NsfsMount& m : parse_nsfs_mounts(mountinfo)) {
          // The mount point as the holder sees it, reached through its root directory.
          std::string path = pid + "/root" + m.mountpoint;
          NsId ns = ns_id_at(root_.get(), path.c_str());
          if (!scan_.namespaces.contains(ns)) climb(ns, open_at(root_.get(), path.c_str()));
          add_pin(ns, Pin{Pin::Kind::Mount, p.pid, -1, m.mountpoint});
        }
      } catch (const SysError& e) {
        (void)classify(e);  // gone or not ours to look at: nothing pinned that we may see
      }
    }
  }

  void find_pinning_fds(const std::string& pid, pid_t pid_number) {
    std::string dir_path = pid + "/fd";
    UniqueFd dir_fd = open_at(root_.get(), dir_path.c_str(), O_DIRECTORY);
    int list = ::dup(dir_fd.get());
    if (list < 0) throw SysError(errno, "dup");
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(list), ::closedir);
    if (!dir) {
      ::close(list);
      throw SysError(errno, "opendir " + dir_path);
    }
    char target[64];
    while (const dirent* entry = ::readdir(dir.get())) {
      if (entry->d_name[0] == '.') continue;
      ssize_t n = ::readlinkat(dir_fd.get(), entry->d_name, target, sizeof target - 1);
      if (n <= 0 || std::strncmp(target, "pid:[", 5) != 0) continue;
      try {
        NsId ns = ns_id_at(dir_fd.get(), entry->d_name);
        if (!scan_.namespaces.contains(ns)) climb(ns, open_at(dir_fd.get(), entry->d_name));
        add_pin(ns, Pin{Pin::Kind::Fd, pid_number, std::atoi(entry->d_name), {}});
      } catch (const SysError& e) {
        (void)classify(e);  // the fd was closed meanwhile
      }
    }
  }

  // One read of /proc/PID/cgroup per namespace, from its init if visible, else its first member.
  void read_cgroups() {
    std::unordered_map<NsId, pid_t, NsIdHash> representative;
    for (const Process& p : scan_.processes) {
      auto [it, inserted] = representative.try_emplace(p.ns, p.pid);
      if (!inserted && p.pid < it->second) it->second = p.pid;
    }
    for (const Process& p : scan_.processes) {
      if (p.status.nstgid.back() == 1) representative[p.ns] = p.pid;
    }
    ReadBuffer buf;
    for (const auto& [ns, pid] : representative) {
      try {
        scan_.namespaces[ns].cgroup =
            read_file(root_.get(), ProcPath(std::to_string(pid).c_str(), "/cgroup"), buf);
      } catch (const SysError& e) {
        (void)classify(e);
      }
    }
  }

  // Names from the host's state files (name_finder.hpp), for each namespace labelled a container
  // that may have one. A host without such containers reads nothing more.
  void read_names() {
    std::vector<std::pair<NsInfo*, ContainerLabel>> wanted;
    for (auto& [ns, info] : scan_.namespaces) {
      std::optional<ContainerLabel> label = recognise_cgroup(info.cgroup);
      if (label && may_have_names(*label)) wanted.emplace_back(&info, std::move(*label));
    }
    if (wanted.empty()) return;
    if (request_.host_root_default && scan_.procfs.relation != ProcfsView::Relation::Same) {
      scan_.names_skipped = true;
      return;
    }
    std::vector<EngineDaemon> daemons;  // in PID order: /proc lists PIDs ascending
    ReadBuffer buf;
    for (const Process& p : scan_.processes) {
      if (!is_engine_daemon(p.status.name)) continue;
      std::string pid = std::to_string(p.pid);
      try {
        daemons.push_back(
            {p.status.uid,
             std::string(read_file(root_.get(), ProcPath(pid.c_str(), "/cmdline"), buf))});
      } catch (const SysError& e) {
        (void)classify(e);
      }
    }
    HostRoot host(request_.host_root);
    NameFinder finder(host, std::move(daemons));
    for (auto& [info, label] : wanted) info->names = finder.find(label);
  }

  // Whose procfs is this? If it can see us, ROOT/self/status says how many levels lie between
  // its namespace and ours; if not, its namespace (that of its PID 1) may lie below ours.
  void find_procfs_view() {
    ProcfsView& view = scan_.procfs;
    try {
      view.ns = ns_id_at(root_.get(), "1/ns/pid");
    } catch (const SysError&) {
    }
    ReadBuffer buf;
    try {
      std::optional<ProcStatus> st = parse_status(read_file(root_.get(), "self/status", buf));
      if (st && !st->exiting) {
        view.levels = static_cast<int>(st->nstgid.size()) - 1;
        if (view.levels == 0) {
          view.relation = ProcfsView::Relation::Same;
          view.ns = scan_.self;  // even when its PID 1 hides its ns/pid from us
        } else {
          view.relation = ProcfsView::Relation::Ancestor;
        }
        return;
      }
    } catch (const SysError&) {
    }
    if (!view.ns || !scan_.self) return;
    int levels = 0;
    for (std::optional<NsId> ns = view.ns; ns; ++levels) {
      if (*ns == *scan_.self) {
        view.relation = ProcfsView::Relation::Descendant;
        view.levels = levels;
        return;
      }
      auto it = scan_.namespaces.find(*ns);
      if (it == scan_.namespaces.end() || levels > kMaxPidNsLevel) break;
      ns = it->second.parent;
    }
    view.relation = ProcfsView::Relation::Unrelated;
  }

  UniqueFd root_;
  bool require_procfs_;
  ScanRequest request_;
  Scan scan_;
};

}  // namespace

Scan LinuxSource::scan(const ScanRequest& request) {
  return Scanner(proc_root_, require_procfs_, request).run();
}

}  // namespace pidns
