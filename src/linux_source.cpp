// linux_source: the real kernel behind NsSource: a procfs directory plus ioctl_ns(2).
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "source.hpp"

namespace pidns {
namespace {

// status is about 1.5 KiB; a process with thousands of supplementary groups makes it longer, and
// then read_status() reads on until end of file.
constexpr std::size_t kStatusReadSize = 16 * 1024;

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

// "PID" + suffix into a fixed buffer: no heap traffic in the per-process loop.
struct ProcPath {
  char buf[64];
  ProcPath(const char* pid, const char* suffix) {
    std::size_t n = std::strlen(pid);
    std::memcpy(buf, pid, n);
    std::strcpy(buf + n, suffix);
  }
  operator const char*() const { return buf; }
};

void read_status(int root, const char* pid, std::string& buf) {
  ProcPath path(pid, "/status");
  UniqueFd fd = open_at(root, path);
  read_once(fd.get(), buf, kStatusReadSize, path.buf);
  // A short read is the whole file: seq_file generates status in one go on the first read.
  if (buf.size() < kStatusReadSize) return;
  std::string more;
  do {
    read_once(fd.get(), more, kStatusReadSize, path.buf);
    buf += more;
  } while (!more.empty());
}

UniqueFd open_dir(const std::string& path, bool require_procfs) {
  UniqueFd fd = open_at(AT_FDCWD, path.c_str(), O_DIRECTORY);
  struct statfs fs {};
  if (::fstatfs(fd.get(), &fs) != 0) throw SysError(errno, "statfs " + path);
  if (require_procfs && fs.f_type != PROC_SUPER_MAGIC) {
    throw std::runtime_error(path + " is not a procfs mount (mount -t proc proc DIR makes one)");
  }
  return fd;
}

}  // namespace

Scan LinuxSource::scan() {
  Scan scan;
  scan.proc_root = proc_root_;
  UniqueFd root = open_dir(proc_root_, require_procfs_);

  // The namespace we run in. ROOT/self exists only if this procfs can see us; /proc may not be
  // mounted at all in a container. Identity is global, so either path gives the same answer.
  for (auto [dir, path] : {std::pair{root.get(), "self/ns/pid"}, {AT_FDCWD, "/proc/self/ns/pid"}}) {
    try {
      scan.self = ns_id_at(dir, path);
      break;
    } catch (const SysError&) {
    }
  }

  // readdir on its own descriptor, so that `root` stays usable for openat().
  UniqueFd list_fd = open_at(root.get(), ".", O_DIRECTORY);
  DIR* dir = ::fdopendir(list_fd.get());
  if (dir == nullptr) throw SysError(errno, "opendir " + proc_root_);
  (void)list_fd.release();
  std::unique_ptr<DIR, int (*)(DIR*)> dir_owner(dir, ::closedir);

  std::string buf;
  buf.reserve(kStatusReadSize);
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    std::optional<pid_t> pid = parse_pid(entry->d_name);
    if (!pid) continue;
    try {
      // The namespace first: a process we may not inspect costs one syscall, not four.
      ProcPath ns_path(entry->d_name, "/ns/pid");
      NsId ns = ns_id_at(root.get(), ns_path);
      read_status(root.get(), entry->d_name, buf);
      std::optional<ProcStatus> status = parse_status(buf);
      if (!status) {
        scan.malformed.push_back(*pid);
        continue;
      }
      if (!scan.namespaces.contains(ns)) climb(ns, open_at(root.get(), ns_path), scan);
      scan.processes.push_back({*pid, ns, std::move(*status)});
    } catch (const SysError& e) {
      if (classify(e) == Failure::Denied) {
        scan.inaccessible.push_back(*pid);
      } else {
        ++scan.vanished;
      }
    }
    errno = 0;
  }
  if (errno != 0) throw SysError(errno, "readdir " + proc_root_);
  return scan;
}

// Walks NS_GET_PARENT from a namespace not seen before up to one already known or to the top, so
// each namespace is climbed once and at most two namespace fds are open at any time.
void LinuxSource::climb(NsId ns, UniqueFd fd, Scan& scan) {
  for (int depth = 0;; ++depth) {
    NsInfo& info = scan.namespaces[ns];
    UniqueFd parent(::ioctl(fd.get(), NS_GET_PARENT));
    if (!parent) {
      int err = errno;
      if (err == EPERM) return;  // the top of what we may see: info.parent stays empty
      if ((err == ENOTTY || err == EINVAL) && !require_procfs_) return;  // test fixtures
      if (err == ENOTTY || err == EINVAL || err == ENOSYS) {
        throw std::runtime_error("ioctl NS_GET_PARENT is not supported: Linux 4.9 or later needed");
      }
      throw SysError(err, "ioctl NS_GET_PARENT on pid:[" + std::to_string(ns.ino) + "]");
    }
    NsId up = ns_id_of(parent.get(), "parent of pid:[" + std::to_string(ns.ino) + "]");
    info.parent = up;
    if (scan.namespaces.contains(up)) return;
    if (depth >= kMaxPidNsLevel) {
      throw std::runtime_error("PID namespaces nested deeper than the kernel's 32 levels");
    }
    ns = up;
    fd = std::move(parent);
  }
}

}  // namespace pidns
