// process_placer: processes placed parents first, each new namespace climbed once.
#include "scan/process_placer.hpp"

#include <algorithm>

#include "model/placement.hpp"

namespace pidns {

void count_own_threads_at_start(std::vector<Process>& by_pid, const ScanContext& ctx) {
  if (!ctx.self_status) return;
  pid_t own = ctx.self_status->nstgid.front();  // as this procfs numbers us
  auto it = std::lower_bound(by_pid.begin(), by_pid.end(), own,
                             [](const Process& p, pid_t wanted) { return p.pid < wanted; });
  if (it != by_pid.end() && it->pid == own) it->status.threads = ctx.self_status->threads;
}

void ProcessPlacer::place(ProcessBatch batch) {
  Scan& scan = ctx_.scan;
  scan.inaccessible.insert(scan.inaccessible.end(), batch.inaccessible.begin(),
                           batch.inaccessible.end());
  scan.malformed.insert(scan.malformed.end(), batch.malformed.begin(), batch.malformed.end());
  scan.vanished += batch.vanished;
  read_ = std::move(batch.processes);
  found_ = std::move(batch.found);
  outcome_.resize(read_.size());
  for (std::size_t i = 0; i < read_.size(); ++i) {
    outcome_[i] = found_[i] == NsFound::kNamed ? Outcome::kPlaced : Outcome::kTodo;
  }
  retried_.assign(read_.size(), false);
  for (std::size_t i = 0; i < read_.size(); ++i) resolve(i);
  hand_on();
}

// The placed ones stay where they were read, in PID order: no second vector of them all.
void ProcessPlacer::hand_on() {
  Scan& scan = ctx_.scan;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < read_.size(); ++i) {
    if (outcome_[i] == Outcome::kUnplaced) scan.unplaced.push_back(std::move(read_[i]));
    if (outcome_[i] == Outcome::kVanished) ++scan.vanished;
    if (outcome_[i] != Outcome::kPlaced) continue;
    if (i != kept) read_[kept] = std::move(read_[i]);
    ++kept;
  }
  read_.resize(kept);
  scan.processes = std::move(read_);
  read_ = {};
  found_ = {};
  outcome_ = {};
  retried_ = {};
}

// The index of a read process's parent among those read, if it was read.
std::optional<std::size_t> ProcessPlacer::parent_of(std::size_t i) const {
  pid_t ppid = read_[i].status.ppid;
  auto it = std::lower_bound(read_.begin(), read_.end(), ppid,
                             [](const Process& r, pid_t wanted) { return r.pid < wanted; });
  if (it == read_.end() || it->pid != ppid) return std::nullopt;
  return static_cast<std::size_t>(it - read_.begin());
}

// Settles read_[i] after its ancestors, which may tell its namespace: iteratively, since a
// chain of parents can be as long as the process list. A loop of PPids (a PID reused mid-scan)
// ends where it closes.
void ProcessPlacer::resolve(std::size_t i) {
  chain_.clear();  // a member, so that settling a process costs no allocation
  for (std::optional<std::size_t> k = i; k && outcome_[*k] == Outcome::kTodo; k = parent_of(*k)) {
    outcome_[*k] = Outcome::kBusy;
    chain_.push_back(*k);
  }
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) settle(*it);
}

void ProcessPlacer::settle(std::size_t i) {
  Process& p = read_[i];
  NsFound& found = found_[i];
  std::optional<std::size_t> parent = parent_of(i);
  const Process* placed_parent =
      parent && outcome_[*parent] == Outcome::kPlaced ? &read_[*parent] : nullptr;
  if (found == NsFound::kAsParent || found == NsFound::kAskParent) {
    if (placed_parent &&
        parent_link(p.status, &placed_parent->status) == ParentLink::kSameNamespace) {
      p.ns = placed_parent->ns;
      outcome_[i] = Outcome::kPlaced;
      return;
    }
    stat_own(i);  // no parent to tell: its own ns/pid, if it may be read
  }
  if (found == NsFound::kDenied) {
    outcome_[i] = Outcome::kUnplaced;
  } else if (outcome_[i] != Outcome::kVanished) {
    admit(i, placed_parent);
  }
}

void ProcessPlacer::stat_own(std::size_t i) {
  try {
    read_[i].ns = ctx_.reader.stat_ns(read_[i].pid);
    found_[i] = NsFound::kRead;
  } catch (const SysError& e) {
    if (classify_failure(e) == Failure::kDenied) {
      found_[i] = NsFound::kDenied;
    } else {
      outcome_[i] = Outcome::kVanished;
    }
  }
}

// A process whose ns/pid was read. A namespace seen for the first time is climbed through the
// process's ns/pid, which must still be the namespace that the stat named: if the PID was
// reused meanwhile, the process is read once more, then given up as vanished. A namespace
// already known is checked for a recycled inode where the kernel can tell.
void ProcessPlacer::admit(std::size_t i, const Process* placed_parent) {
  const Process& p = read_[i];
  NsClimber& climber = ctx_.climber;
  outcome_[i] = Outcome::kPlaced;
  // A namespace already known is checked for a recycled inode where a status read left room
  // for the race (a stat of ns/pid only where the parent did not tell), not for every member.
  if (climber.known(p.ns) && (!ctx_.request.statuses || !climber.has_unique_id(p.ns))) return;
  if (!climber.known(p.ns) && place_by_parent(p, placed_parent)) return;
  PidPath path(p.pid, "/ns/pid");
  try {
    UniqueFd fd = ctx_.opener.open(ctx_.root, path, p.ns);
    if (!climber.known(p.ns)) {
      climber.climb(p.ns, std::move(fd));
    } else if (!climber.same_as_recorded(p.ns, fd.get())) {
      read_again(i);
    }
  } catch (const NotPidNamespace&) {
    read_again(i);
  } catch (const SysError& e) {
    outcome_[i] = classify_failure(e) == Failure::kDenied ? Outcome::kUnplaced : Outcome::kVanished;
  }
}

void ProcessPlacer::read_again(std::size_t i) {
  outcome_[i] = Outcome::kVanished;
  if (retried_[i]) return;
  retried_[i] = true;
  pid_t pid = read_[i].pid;
  ProcessBatch again = ctx_.reader.read(std::span<const pid_t>(&pid, 1));
  if (again.processes.size() != 1) return;
  read_[i] = std::move(again.processes.front());
  found_[i] = again.found.front();
  outcome_[i] = Outcome::kBusy;
  settle(i);
}

// A new namespace whose member's parent process lives exactly one level higher is a child of
// that process's namespace (placement.hpp), and NS_GET_PARENT (open, ioctl, fstat, two closes)
// need not be asked. Only where the kernel would have answered, though: when that parent
// namespace is ours or lies below ours (ioctl_ns(2)); elsewhere it would say EPERM, and what
// procfs still tells is the graph's to infer and mark. Owners and ids need the fd anyway.
bool ProcessPlacer::place_by_parent(const Process& p, const Process* parent) {
  if (ctx_.request.owners || ctx_.request.ids || !ctx_.scan.self || parent == nullptr ||
      parent_link(p.status, &parent->status) != ParentLink::kChildNamespace) {
    return false;
  }
  if (!levels_below_self(ctx_.scan, parent->ns)) return false;
  ctx_.climber.add_child(p.ns, parent->ns);
  return true;
}

}  // namespace pidns
