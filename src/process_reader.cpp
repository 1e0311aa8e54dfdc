// process_reader: status and ns/pid of each process.
#include "process_reader.hpp"

#include <dirent.h>
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "placement.hpp"

namespace pidns {
namespace {

// "PID" + suffix in a fixed buffer: no heap traffic in the per-process loop.
struct ProcPath {
  char buf[48];
  ProcPath(pid_t pid, const char* suffix) {
    char* end = std::to_chars(buf, buf + 16, pid).ptr;
    std::strcpy(end, suffix);
  }
  operator const char*() const { return buf; }
};

enum class Failure { kVanished, kDenied };

// Sorts a failed per-process system call: a process that exits mid-scan is normal, one we may not
// inspect is counted, and anything else (EMFILE, EIO, ...) breaks the whole run.
Failure classify(const SysError& e) {
  switch (e.err()) {
    case ENOENT:
    case ESRCH:
      return Failure::kVanished;
    case EACCES:
    case EPERM:
      return Failure::kDenied;
    default:
      throw e;
  }
}

}  // namespace

std::vector<pid_t> ProcessReader::list() const {
  // readdir on its own descriptor, so that root_ stays usable for openat().
  UniqueFd list_fd = open_at(root_, ".", O_DIRECTORY);
  DIR* dir = ::fdopendir(list_fd.get());
  if (dir == nullptr) throw SysError(errno, "opendir");
  (void)list_fd.release();
  std::unique_ptr<DIR, int (*)(DIR*)> owner(dir, ::closedir);
  std::vector<pid_t> pids;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (std::optional<pid_t> pid = parse_pid(entry->d_name)) pids.push_back(*pid);
    errno = 0;
  }
  if (errno != 0) throw SysError(errno, "readdir");
  // proc_pid_readdir() lists in ascending order already; a sort of sorted input costs little.
  std::sort(pids.begin(), pids.end());
  return pids;
}

ProcessBatch ProcessReader::read(std::span<const pid_t> pids) const {
  ProcessBatch out;
  out.processes.reserve(pids.size());
  ReadBuffer buf;
  for (pid_t pid : pids) read_one(pid, buf, out);
  return out;
}

void ProcessReader::read_one(pid_t pid, ReadBuffer& buf, ProcessBatch& out) const {
  std::optional<ProcStatus> status;
  try {
    status = parse_status(read_proc_file(root_, ProcPath(pid, "/status"), buf, ProcText::kWhole));
  } catch (const SysError& e) {
    if (classify(e) == Failure::kDenied) {
      out.inaccessible.push_back(pid);
    } else {
      ++out.vanished;
    }
    return;
  }
  if (!status) {
    out.malformed.push_back(pid);
    return;
  }
  if (status->exiting) {
    ++out.vanished;
    return;
  }
  ReadProcess read{Process{pid, {}, std::move(*status), std::nullopt, false}, NsFound::kRead};
  // The parent among those read before (ascending PIDs): at its depth, the namespace is its.
  const std::vector<ReadProcess>& before = out.processes;
  auto parent =
      std::lower_bound(before.begin(), before.end(), read.process.status.ppid,
                       [](const ReadProcess& r, pid_t wanted) { return r.process.pid < wanted; });
  bool parent_read = parent != before.end() && parent->process.pid == read.process.status.ppid;
  if (!parent_read) {
    read.found = NsFound::kAskParent;
  } else if (parent_link(read.process.status, &parent->process.status) ==
             ParentLink::kSameNamespace) {
    read.found = NsFound::kAsParent;
  } else {
    try {
      read.process.ns = stat_ns(pid);
    } catch (const SysError& e) {
      if (classify(e) == Failure::kVanished) {
        ++out.vanished;
        return;
      }
      read.found = NsFound::kDenied;
    }
  }
  out.processes.push_back(std::move(read));
}

NsId ProcessReader::stat_ns(pid_t pid) const { return ns_id_at(root_, ProcPath(pid, "/ns/pid")); }

std::optional<TaskIds> ProcessReader::task_ids(pid_t tid) const {
  ReadBuffer buf;
  try {
    return parse_task_ids(read_proc_file(root_, ProcPath(tid, "/status"), buf, ProcText::kWhole));
  } catch (const SysError& e) {
    (void)classify(e);
    return std::nullopt;
  }
}

}  // namespace pidns
