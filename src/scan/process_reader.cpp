// process_reader: status and ns/pid of each process.
#include "scan/process_reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "model/placement.hpp"
#include "scan/parts.hpp"

namespace pidns {

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

PidListing::PidListing(const ProcessReader& reader, unsigned jobs)
    : pids_(std::async(jobs > 1 ? std::launch::async : std::launch::deferred,
                       [&reader] { return reader.list(); })) {}

// One worker's share: the PIDs [begin, end) of the list, read into the same slots of the batch
// (every slot is its own, so workers never write the same memory), and what it counted.
struct ProcessReader::Part {
  std::span<const pid_t> pids;  // the whole list
  std::size_t begin = 0, end = 0;
  bool memberships = false;
  ProcessBatch* out = nullptr;
  // Per slot: a process was read into it. Bytes, not std::vector<bool>: workers write slots side
  // by side, and bits of one word would be a data race.
  std::vector<unsigned char>* filled = nullptr;
  std::vector<pid_t> inaccessible{}, malformed{};
  std::size_t vanished = 0;

  // The slot of a PID read before slot i in this part, if there is one.
  std::optional<std::size_t> read_before(pid_t pid, std::size_t i) const {
    auto first = pids.begin() + static_cast<std::ptrdiff_t>(begin);
    auto it = std::lower_bound(first, pids.begin() + static_cast<std::ptrdiff_t>(i), pid);
    if (it == pids.begin() + static_cast<std::ptrdiff_t>(i) || *it != pid) return std::nullopt;
    std::size_t j = static_cast<std::size_t>(it - pids.begin());
    if (!(*filled)[j]) return std::nullopt;
    return j;
  }
};

ProcessBatch ProcessReader::read(std::span<const pid_t> pids, unsigned jobs,
                                 bool memberships) const {
  ProcessBatch out;
  out.processes.resize(pids.size());
  out.found.assign(pids.size(), NsFound::kRead);
  std::vector<unsigned char> filled(pids.size(), 0);
  constexpr std::size_t kMinPart = 256;  // processes: reading fewer costs less than a thread
  std::size_t n = part_count(pids.size(), jobs, kMinPart);
  std::vector<Part> parts(n);
  for (std::size_t k = 0; k < n; ++k) {
    parts[k] = Part{
        pids,   part_begin(k, n, pids.size()), part_begin(k + 1, n, pids.size()), memberships, &out,
        &filled};
  }
  run_parts(n, [&](std::size_t k) { read_part(parts[k]); });
  for (Part& part : parts) {
    out.inaccessible.insert(out.inaccessible.end(), part.inaccessible.begin(),
                            part.inaccessible.end());
    out.malformed.insert(out.malformed.end(), part.malformed.begin(), part.malformed.end());
    out.vanished += part.vanished;
  }
  // Close the gaps that processes gone, denied or malformed left, in place and in PID order.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    if (!filled[i]) continue;
    if (i != kept) {
      out.processes[kept] = std::move(out.processes[i]);
      out.found[kept] = out.found[i];
    }
    ++kept;
  }
  out.processes.resize(kept);
  out.found.resize(kept);
  return out;
}

void ProcessReader::read_part(Part& part) const {
  ReadBuffer buf;
  for (std::size_t i = part.begin; i < part.end; ++i) {
    if (part.memberships) {
      read_membership(part, i, buf);
    } else {
      read_status(part, i, buf);
    }
  }
}

bool ProcessReader::fill_status(Part& part, std::size_t i, ReadBuffer& buf) const {
  pid_t pid = part.pids[i];
  std::optional<ProcStatus> status;
  try {
    status = parse_status(read_proc_file(root_, PidPath(pid, "/status"), buf, ProcText::kWhole));
  } catch (const SysError& e) {
    if (classify_failure(e) == Failure::kDenied) {
      part.inaccessible.push_back(pid);
    } else {
      ++part.vanished;
    }
    return false;
  }
  if (!status) {
    part.malformed.push_back(pid);
    return false;
  }
  if (status->exiting) {
    ++part.vanished;
    return false;
  }
  Process& p = part.out->processes[i];
  p = Process{};
  p.pid = pid;
  p.status = std::move(*status);
  return true;
}

void ProcessReader::read_status(Part& part, std::size_t i, ReadBuffer& buf) const {
  if (!fill_status(part, i, buf)) return;
  pid_t pid = part.pids[i];
  Process& p = part.out->processes[i];
  NsFound& found = part.out->found[i];
  // The parent among those read before (ascending PIDs): at its depth, the namespace is its.
  std::optional<std::size_t> parent = part.read_before(p.status.ppid, i);
  if (!parent) {
    found = NsFound::kAskParent;
  } else if (parent_link(p.status, &part.out->processes[*parent].status) ==
             ParentLink::kSameNamespace) {
    found = NsFound::kAsParent;
  } else {
    try {
      p.ns = stat_ns(pid);
      found = NsFound::kRead;
    } catch (const SysError& e) {
      if (classify_failure(e) == Failure::kVanished) {
        ++part.vanished;
        return;
      }
      found = NsFound::kDenied;
    }
  }
  (*part.filled)[i] = 1;
}

void ProcessReader::read_membership(Part& part, std::size_t i, ReadBuffer& buf) const {
  pid_t pid = part.pids[i];
  Process& p = part.out->processes[i];
  try {
    NsId ns = stat_ns(pid);
    struct stat task {};
    if (::fstatat(root_, PidPath(pid, "/task"), &task, 0) != 0) {
      throw SysError(errno, "stat task");
    }
    p = Process{};
    p.pid = pid;
    p.ns = ns;
    p.status.threads = task.st_nlink > 2 ? static_cast<unsigned>(task.st_nlink - 2) : 1;
    part.out->found[i] = NsFound::kRead;
    (*part.filled)[i] = 1;
  } catch (const SysError& e) {
    if (classify_failure(e) == Failure::kVanished) {
      ++part.vanished;
      return;
    }
    // No ptrace rights: what status tells is what the graph's inference needs.
    if (fill_status(part, i, buf)) {
      part.out->found[i] = NsFound::kDenied;
      (*part.filled)[i] = 1;
    }
  }
}

NsId ProcessReader::stat_ns(pid_t pid) const { return ns_id_at(root_, PidPath(pid, "/ns/pid")); }

std::optional<TaskIds> ProcessReader::task_ids(pid_t tid) const {
  ReadBuffer buf;
  try {
    return parse_task_ids(read_proc_file(root_, PidPath(tid, "/status"), buf, ProcText::kWhole));
  } catch (const SysError& e) {
    (void)classify_failure(e);
    return std::nullopt;
  }
}

}  // namespace pidns
