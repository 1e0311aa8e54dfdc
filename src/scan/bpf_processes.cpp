// bpf_processes: one pass of the task iterator, then procfs for what it leaves.
#include "scan/bpf_processes.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kernel/procfs.hpp"
#include "kernel/sys.hpp"
#include "scan/process_placer.hpp"

namespace pidns {
namespace {

// The processes one pass names, and the namespaces they live in, recorded as they come.
class TaskCollector {
 public:
  explicit TaskCollector(ScanContext& ctx)
      : ctx_(ctx), dev_(ctx.scan.self->dev), own_ino_(ctx.scan.self->ino) {}

  /// Room for `tasks` processes, so that the vectors are never copied while they grow.
  void reserve(std::size_t tasks);
  void add(const TaskRecord& task);
  /// PPids as our namespace numbers them; a process whose parent the pass did not name is
  /// left to procfs.
  void number_parents();
  /// The processes named, by PID.
  std::vector<Process>& named();
  /// The namespaces of the processes `kept` (by PID), into the Scan. One whose members the pass
  /// named but the listing dropped (they started after it) is left out, as procfs would not see
  /// it; so is one no process of the pass lives in, climbed to later.
  void commit_namespaces(const std::vector<Process>& kept);

 private:
  Process to_process(const TaskRecord& task, std::size_t own_level) const;
  void record_namespace(const TaskRecord& task);

  ScanContext& ctx_;
  dev_t dev_;              // every nsfs file's: that of /proc/self/ns/pid
  ino_t own_ino_;          // our own namespace's inode
  std::size_t level_ = 0;  // our namespace's level, where the first record says
  bool level_known_ = false;
  std::vector<Process> named_;
  std::vector<std::pair<pid_t, pid_t>> by_tgid_;  // (tgid in the initial namespace, ours)
  std::optional<NsId> last_ns_;  // the namespace of the record before: recorded already
  std::unordered_map<NsId, NsInfo, NsIdHash> pending_;  // namespaces met, until committed
};

void TaskCollector::reserve(std::size_t tasks) {
  named_.reserve(tasks);
  by_tgid_.reserve(tasks);
}

void TaskCollector::add(const TaskRecord& task) {
  std::span<const TaskLevel> levels = task.levels();
  if (!level_known_) {
    auto ours = std::find_if(levels.begin(), levels.end(),
                             [this](const TaskLevel& l) { return l.ns_ino == own_ino_; });
    if (ours == levels.end()) return;
    level_ = static_cast<std::size_t>(ours - levels.begin());
    level_known_ = true;
  }
  // The iterator walks our namespace only; anything else is not ours to show.
  if (levels.size() <= level_ || levels[level_].ns_ino != own_ino_) return;
  if (level_ > 0) by_tgid_.emplace_back(task.tgid, levels[level_].pid);
  // Being released: procfs would find it exiting. A kernel thread's status names it otherwise
  // than comm may (wq_worker_comm(), a kthread's full name). Both are read through procfs.
  if (task.dead || (task.kernel_thread && ctx_.request.statuses)) return;
  record_namespace(task);
  named_.push_back(to_process(task, level_));
}

Process TaskCollector::to_process(const TaskRecord& task, std::size_t own_level) const {
  std::span<const TaskLevel> levels = task.levels();
  Process p;
  p.pid = levels[own_level].pid;
  p.ns = NsId{dev_, levels.back().ns_ino};
  p.cgroup_key = task.exiting ? 0 : task.css_set;  // an exiting task shows "/" in v1 hierarchies
  ProcStatus& s = p.status;
  s.name = task.comm;  // what status shows for every task but kernel threads
  s.state = task.zombie ? 'Z' : 0;
  s.tgid = p.pid;
  s.ppid = task.parent_tgid;  // the initial namespace's; number_parents() makes it ours
  s.uid = task.uid;
  for (std::size_t i = own_level; i < levels.size(); ++i) s.nstgid.push_back(levels[i].pid);
  s.threads = task.threads;
  s.kernel_thread = task.kernel_thread;
  return p;
}

// A task's own namespace, the first time one of its members is met: its parent is the level
// above's (none for ours: NS_GET_PARENT would say EPERM), and what the namespace ioctls would
// say of it.
void TaskCollector::record_namespace(const TaskRecord& task) {
  std::span<const TaskLevel> levels = task.levels();
  NsId ns{dev_, levels.back().ns_ino};
  if (ns == last_ns_) return;
  last_ns_ = ns;
  auto [it, fresh] = pending_.try_emplace(ns);
  if (!fresh) return;
  NsInfo& info = it->second;
  if (levels.size() - 1 > level_) info.parent = NsId{dev_, levels[levels.size() - 2].ns_ino};
  if (task.own_ns_id != 0) info.unique_id = task.own_ns_id;
  if (ctx_.request.owners) info.owner = Owner{NsId{dev_, task.own_userns}, task.own_userns_uid};
}

void TaskCollector::number_parents() {
  if (level_ == 0) return;  // the initial namespace's PIDs are ours
  std::sort(by_tgid_.begin(), by_tgid_.end());
  std::erase_if(named_, [this](Process& p) {
    if (p.status.ppid == 0) return false;
    auto it = std::lower_bound(by_tgid_.begin(), by_tgid_.end(),
                               std::pair<pid_t, pid_t>(p.status.ppid, 0));
    if (it == by_tgid_.end() || it->first != p.status.ppid) return true;  // to procfs
    p.status.ppid = it->second;
    return false;
  });
}

// A namespace already in the Scan (a --ns path climbed before) keeps what the climb found.
void TaskCollector::commit_namespaces(const std::vector<Process>& kept) {
  std::optional<NsId> last;
  for (const Process& p : kept) {
    if (p.ns == last) continue;
    last = p.ns;
    auto it = pending_.find(p.ns);
    if (it == pending_.end()) continue;
    ctx_.scan.namespaces.try_emplace(p.ns, std::move(it->second));
    pending_.erase(it);
  }
}

std::vector<Process>& TaskCollector::named() {
  // The iterator walks by PID; should a kernel ever not, order them here.
  auto by_pid = [](const Process& a, const Process& b) { return a.pid < b.pid; };
  if (!std::is_sorted(named_.begin(), named_.end(), by_pid)) {
    std::stable_sort(named_.begin(), named_.end(), by_pid);
  }
  return named_;
}

// Keeps, in place, the named processes that the listing lists; returns the listed PIDs the pass
// did not name. A named process the listing lacks started after it: the procfs scan would not
// see it either.
std::vector<pid_t> keep_listed(const std::vector<pid_t>& listed, std::vector<Process>& named) {
  std::vector<pid_t> missed;
  std::size_t kept = 0, j = 0;
  for (pid_t pid : listed) {
    while (j < named.size() && named[j].pid < pid) ++j;
    if (j < named.size() && named[j].pid == pid) {
      if (j != kept) named[kept] = std::move(named[j]);
      ++kept;
      ++j;
    } else {
      missed.push_back(pid);
    }
  }
  named.erase(named.begin() + static_cast<std::ptrdiff_t>(kept), named.end());
  return missed;
}

// The named processes and those read through procfs, in one batch by PID: merged from the back
// into the named ones' vector, so that no second vector of every process is made.
ProcessBatch merge(std::vector<Process>& named, ProcessBatch read) {
  std::size_t a = named.size(), b = read.processes.size(), out = a + b;
  ProcessBatch batch;
  batch.found.assign(out, NsFound::kNamed);
  named.resize(out);
  while (b > 0) {
    --out;
    if (a > 0 && named[a - 1].pid > read.processes[b - 1].pid) {
      named[out] = std::move(named[--a]);
    } else {
      batch.found[out] = read.found[--b];
      named[out] = std::move(read.processes[b]);
    }
  }
  batch.processes = std::move(named);
  batch.inaccessible = std::move(read.inaccessible);
  batch.malformed = std::move(read.malformed);
  batch.vanished = read.vanished;
  return batch;
}

// A namespace that no process of the pass lives in (its init missed, say) is known only as the
// level above some member's: it is climbed to through that member, as the procfs scan climbs,
// so that it too has its parent, id and owner from the kernel.
void climb_to_unrecorded(ScanContext& ctx) {
  std::unordered_set<NsId, NsIdHash> below;  // namespaces whose parent was not recorded
  for (const auto& [ns, info] : ctx.scan.namespaces) {
    if (info.parent && !ctx.climber.known(*info.parent)) below.insert(ns);
  }
  for (const Process& p : ctx.scan.processes) {
    if (below.empty()) return;
    if (!below.contains(p.ns)) continue;
    try {
      ctx.climber.climb(p.ns, ctx.opener.open(ctx.root, PidPath(p.pid, "/ns/pid"), p.ns));
      below.erase(p.ns);
    } catch (const NotPidNamespace&) {
      // its PID was reused meanwhile: another member may serve
    } catch (const SysError& e) {
      if (!gone_or_denied(e)) throw;
    }
  }
}

// At least as many as the pass can name: every thread on the system (/proc/loadavg), or 0 if
// that cannot be read. Reserved up front, the pass's vectors are never copied as they grow: that
// copy was the scan's peak, 0.3 MiB above procfs's at 10,000 processes. Pages reserved and never
// written cost address space only, so a host with many threads per process loses nothing.
std::size_t tasks_at_most(const ScanContext& ctx) {
  constexpr std::size_t kPidMaxLimit = 4 * 1024 * 1024;  // PID_MAX_LIMIT on 64-bit
  try {
    ReadBuffer buf;
    std::optional<std::size_t> threads =
        parse_loadavg_threads(read_proc_file(ctx.root, "loadavg", buf, ProcText::kWhole));
    return std::min(threads.value_or(0), kPidMaxLimit);
  } catch (const SysError&) {
    return 0;
  }
}

}  // namespace

void read_processes_bpf(ScanContext& ctx, BpfTaskIterator& iterator, PidListing& listing) {
  TaskCollector tasks(ctx);
  tasks.reserve(tasks_at_most(ctx));
  // What the pass could not frame or decode needs no handling of its own: the listed PIDs it did
  // not name are read through procfs below, like any process the iterator missed.
  (void)iterator.read([&tasks](const TaskRecord& task) { tasks.add(task); });
  tasks.number_parents();
  std::vector<Process>& named = tasks.named();
  std::vector<pid_t> missed = keep_listed(listing.take(), named);
  tasks.commit_namespaces(named);
  ProcessBatch batch = merge(named, ctx.reader.read(missed, ctx.request.jobs));
  count_own_threads_at_start(batch.processes, ctx);
  ProcessPlacer(ctx).place(std::move(batch));
  climb_to_unrecorded(ctx);
}

}  // namespace pidns
