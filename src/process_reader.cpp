// process_reader: status and ns/pid of each process.
#include "process_reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <thread>

#include "placement.hpp"

namespace pidns {
namespace {

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
  return read_each(pids, &ProcessReader::read_one);
}

ProcessBatch ProcessReader::read_each(std::span<const pid_t> pids, ReadOne read) const {
  ProcessBatch out;
  out.processes.reserve(pids.size());
  ReadBuffer buf;
  for (pid_t pid : pids) (this->*read)(pid, buf, out);
  return out;
}

void ProcessReader::read_one(pid_t pid, ReadBuffer& buf, ProcessBatch& out) const {
  std::optional<ProcStatus> status;
  try {
    status = parse_status(read_proc_file(root_, PidPath(pid, "/status"), buf, ProcText::kWhole));
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

ProcessBatch ProcessReader::read_all(std::span<const pid_t> pids, unsigned jobs,
                                     bool memberships) const {
  auto read_chunk = [this, memberships](std::span<const pid_t> chunk) {
    return memberships ? read_memberships(chunk) : read(chunk);
  };
  // A thread costs more than reading a few hundred processes.
  constexpr std::size_t kMinChunk = 256;
  std::size_t n = std::min<std::size_t>(jobs, std::max<std::size_t>(1, pids.size() / kMinChunk));
  if (n <= 1) return read_chunk(pids);

  std::vector<ProcessBatch> parts(n);
  std::vector<std::exception_ptr> failures(n);
  {
    std::vector<std::jthread> workers;
    for (std::size_t i = 0; i < n; ++i) {
      std::span<const pid_t> chunk =
          pids.subspan(i * pids.size() / n, (i + 1) * pids.size() / n - i * pids.size() / n);
      workers.emplace_back([&, i, chunk] {
        try {
          parts[i] = read_chunk(chunk);
        } catch (...) {
          failures[i] = std::current_exception();
        }
      });
    }
  }  // joined
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  ProcessBatch all = std::move(parts.front());
  for (std::size_t i = 1; i < n; ++i) {
    ProcessBatch& part = parts[i];
    std::move(part.processes.begin(), part.processes.end(), std::back_inserter(all.processes));
    all.inaccessible.insert(all.inaccessible.end(), part.inaccessible.begin(),
                            part.inaccessible.end());
    all.malformed.insert(all.malformed.end(), part.malformed.begin(), part.malformed.end());
    all.vanished += part.vanished;
  }
  return all;
}

ProcessBatch ProcessReader::read_memberships(std::span<const pid_t> pids) const {
  return read_each(pids, &ProcessReader::read_membership);
}

void ProcessReader::read_membership(pid_t pid, ReadBuffer& buf, ProcessBatch& out) const {
  ReadProcess read{Process{pid, {}, {}, std::nullopt, false}, NsFound::kRead};
  try {
    read.process.ns = stat_ns(pid);
    struct stat task {};
    if (::fstatat(root_, PidPath(pid, "/task"), &task, 0) != 0) {
      throw SysError(errno, "stat task");
    }
    read.process.status.threads = task.st_nlink > 2 ? static_cast<unsigned>(task.st_nlink - 2) : 1;
  } catch (const SysError& e) {
    if (classify(e) == Failure::kVanished) {
      ++out.vanished;
      return;
    }
    // No ptrace rights: what status tells is what the graph's inference needs.
    std::size_t before = out.processes.size();
    read_one(pid, buf, out);
    if (out.processes.size() > before) out.processes.back().found = NsFound::kDenied;
    return;
  }
  out.processes.push_back(std::move(read));
}

NsId ProcessReader::stat_ns(pid_t pid) const { return ns_id_at(root_, PidPath(pid, "/ns/pid")); }

std::optional<TaskIds> ProcessReader::task_ids(pid_t tid) const {
  ReadBuffer buf;
  try {
    return parse_task_ids(read_proc_file(root_, PidPath(tid, "/status"), buf, ProcText::kWhole));
  } catch (const SysError& e) {
    (void)classify(e);
    return std::nullopt;
  }
}

}  // namespace pidns
