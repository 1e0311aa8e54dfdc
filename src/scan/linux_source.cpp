// linux_source: the real kernel behind NsSource. It opens the procfs root and drives the three
// parts of a scan: the process reader, the namespace climber and (with --all) the pin finder.
#include "scan/linux_source.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>

#include "kernel/nsfs.hpp"
#include "model/placement.hpp"
#include "scan/label_reader.hpp"
#include "scan/ns_climber.hpp"
#include "scan/pin_finder.hpp"
#include "scan/process_reader.hpp"

namespace pidns {
namespace {

// The root directory of every procfs mount has inode 1 (PROC_ROOT_INO in fs/proc/root.c).
constexpr ino_t kProcRootIno = 1;

UniqueFd open_procfs_root(const std::string& path) {
  UniqueFd fd = open_at(AT_FDCWD, path.c_str(), O_DIRECTORY);
  struct statfs fs {};
  if (::fstatfs(fd.get(), &fs) != 0) throw SysError(errno, "statfs " + path);
  if (fs.f_type != PROC_SUPER_MAGIC) {
    throw std::runtime_error(path + " is not a procfs mount (mount -t proc proc DIR makes one)");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw SysError(errno, "stat " + path);
  if (st.st_ino != kProcRootIno) {
    throw std::runtime_error(path + " lies inside a procfs mount: give the mount's root");
  }
  return fd;
}

// Where each read process stands while namespaces are settled, parents first.
enum class Outcome { kTodo, kBusy, kPlaced, kUnplaced, kVanished };

// One pass over one procfs. Owns the per-run state that LinuxSource::scan() must not keep.
class Scanner {
 public:
  Scanner(const std::string& proc_root, const ScanRequest& request)
      : root_(open_procfs_root(proc_root)),
        request_(request),
        reader_(root_.get()),
        opener_(root_.get()),
        climber_(scan_.namespaces, request_) {
    scan_.proc_root = proc_root;
  }

  Scan run() {
    find_self();
    self_status_ = read_self_status();
    resolve_named();
    read_processes();
    find_tasks();
    if (request_.all) PinFinder(root_.get(), opener_, climber_, scan_).find();
    LabelReader labels(root_.get(), request_, scan_);
    if (request_.cgroups) labels.read_cgroups();
    labels.read_inference_cgroups();
    find_procfs_view();
    find_hidepid();
    if (request_.cgroups && !request_.host_root.empty()) labels.read_names();
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
      UniqueFd fd;
      try {
        fd = opener_.open(AT_FDCWD, path.c_str(), NsId{});
      } catch (const NotPidNamespace&) {
        throw std::runtime_error(path + " is not a PID namespace file (such as /proc/PID/ns/pid)");
      }
      NsId ns = ns_id_of(fd.get(), path);
      if (!climber_.known(ns)) climber_.climb(ns, std::move(fd));
      scan_.named.push_back(ns);
    }
  }

  void read_processes() {
    bool memberships = !request_.statuses && own_procfs() && kernel_names_inits();
    ProcessBatch batch = reader_.read(reader_.list(), request_.jobs, memberships);
    scan_.inaccessible = std::move(batch.inaccessible);
    scan_.malformed = std::move(batch.malformed);
    scan_.vanished = batch.vanished;
    read_ = std::move(batch.processes);
    found_ = std::move(batch.found);
    count_own_threads_at_start();
    outcome_.assign(read_.size(), Outcome::kTodo);
    retried_.assign(read_.size(), false);
    for (std::size_t i = 0; i < read_.size(); ++i) resolve(i);
    // The placed ones stay where they were read, in PID order: no second vector of them all.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < read_.size(); ++i) {
      if (outcome_[i] == Outcome::kUnplaced) scan_.unplaced.push_back(std::move(read_[i]));
      if (outcome_[i] == Outcome::kVanished) ++scan_.vanished;
      if (outcome_[i] != Outcome::kPlaced) continue;
      if (i != kept) read_[kept] = std::move(read_[i]);
      ++kept;
    }
    read_.resize(kept);
    scan_.processes = std::move(read_);
    found_ = {};
    outcome_ = {};
    retried_ = {};
    if (memberships) complete_memberships();
  }

  // ROOT/self/status, read before any --jobs worker starts: whether this procfs can see us, from
  // which namespace, and our own threads.
  std::optional<ProcStatus> read_self_status() const {
    ReadBuffer buf;
    try {
      std::optional<ProcStatus> st =
          parse_status(read_proc_file(root_.get(), "self/status", buf, ProcText::kWhole));
      if (st && !st->exiting) return st;
    } catch (const SysError&) {
    }
    return std::nullopt;
  }

  // Whether this procfs belongs to our own PID namespace: then the PIDs that namespace ioctls
  // give (in the caller's namespace) are the PIDs this procfs shows.
  bool own_procfs() const { return self_status_ && self_status_->nstgid.size() == 1; }

  // pidns-tree counts as the process it was before it started any --jobs worker: its workers,
  // alive while its own status (or task directory) is read, would make its thread count, and its
  // namespace's, change with --jobs and with the load.
  void count_own_threads_at_start() {
    if (!self_status_) return;
    pid_t own = self_status_->nstgid.front();  // as this procfs numbers us
    auto it = std::lower_bound(read_.begin(), read_.end(), own,
                               [](const Process& p, pid_t wanted) { return p.pid < wanted; });
    if (it != read_.end() && it->pid == own) it->status.threads = self_status_->threads;
  }

  // Without status (--no-pids), what NStgid would have said follows from the climb: a member's
  // depth below the procfs's namespace (ours) is its namespace's, and its innermost PID is 1 if
  // the kernel named it that namespace's PID 1 (NsInfo::init). The other fields are not read.
  void complete_memberships() {
    std::unordered_map<NsId, std::size_t, NsIdHash> depth;
    for (Process& p : scan_.processes) {
      auto [it, fresh] = depth.try_emplace(p.ns, 0);
      // Every member's namespace was climbed to ours or below it (this procfs is our own).
      if (fresh) it->second = static_cast<std::size_t>(levels_below_self(p.ns).value_or(0));
      const NsInfo* info = find_info(p.ns);
      bool init = info && info->init == p.pid;
      p.status.nstgid.assign(it->second + 1, p.pid);
      if (init) p.status.nstgid.back() = 1;
    }
  }

  // How many parent links lead from `ns` up to our own namespace, if they do: not from the top
  // of what was climbed, another branch, or where our own namespace is unknown.
  std::optional<int> levels_below_self(NsId ns) const {
    for (int levels = 0; scan_.self && levels <= kMaxPidNsLevel; ++levels) {
      if (ns == *scan_.self) return levels;
      const NsInfo* info = find_info(ns);
      if (!info || !info->parent) break;
      ns = *info->parent;
    }
    return std::nullopt;
  }

  const NsInfo* find_info(const NsId& ns) const {
    auto it = scan_.namespaces.find(ns);
    return it == scan_.namespaces.end() ? nullptr : &it->second;
  }

  // The index of a read process's parent among those read, if it was read.
  std::optional<std::size_t> parent_of(std::size_t i) const {
    pid_t ppid = read_[i].status.ppid;
    auto it = std::lower_bound(read_.begin(), read_.end(), ppid,
                               [](const Process& r, pid_t wanted) { return r.pid < wanted; });
    if (it == read_.end() || it->pid != ppid) return std::nullopt;
    return static_cast<std::size_t>(it - read_.begin());
  }

  // Settles read_[i] after its ancestors, which may tell its namespace: iteratively, since a
  // chain of parents can be as long as the process list. A loop of PPids (a PID reused mid-scan)
  // ends where it closes.
  void resolve(std::size_t i) {
    chain_.clear();  // a member, so that settling a process costs no allocation
    for (std::optional<std::size_t> k = i; k && outcome_[*k] == Outcome::kTodo; k = parent_of(*k)) {
      outcome_[*k] = Outcome::kBusy;
      chain_.push_back(*k);
    }
    for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) settle(*it);
  }

  void settle(std::size_t i) {
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

  void stat_own(std::size_t i) {
    try {
      read_[i].ns = reader_.stat_ns(read_[i].pid);
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
  void admit(std::size_t i, const Process* placed_parent) {
    const Process& p = read_[i];
    outcome_[i] = Outcome::kPlaced;
    // A namespace already known is checked for a recycled inode where a status read left room
    // for the race (a stat of ns/pid only where the parent did not tell), not for every member.
    if (climber_.known(p.ns) && (!request_.statuses || !climber_.has_unique_id(p.ns))) return;
    if (!climber_.known(p.ns) && place_by_parent(p, placed_parent)) return;
    PidPath path(p.pid, "/ns/pid");
    try {
      UniqueFd fd = opener_.open(root_.get(), path, p.ns);
      if (!climber_.known(p.ns)) {
        climber_.climb(p.ns, std::move(fd));
      } else if (!climber_.same_as_recorded(p.ns, fd.get())) {
        read_again(i);
      }
    } catch (const NotPidNamespace&) {
      read_again(i);
    } catch (const SysError& e) {
      outcome_[i] =
          classify_failure(e) == Failure::kDenied ? Outcome::kUnplaced : Outcome::kVanished;
    }
  }

  void read_again(std::size_t i) {
    outcome_[i] = Outcome::kVanished;
    if (retried_[i]) return;
    retried_[i] = true;
    pid_t pid = read_[i].pid;
    ProcessBatch again = reader_.read(std::span<const pid_t>(&pid, 1));
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
  bool place_by_parent(const Process& p, const Process* parent) {
    if (request_.owners || request_.ids || !scan_.self || parent == nullptr ||
        parent_link(p.status, &parent->status) != ParentLink::kChildNamespace) {
      return false;
    }
    if (!levels_below_self(parent->ns)) return false;
    climber_.add_child(p.ns, parent->ns);
    return true;
  }

  // PIDs on the command line that /proc does not list may name threads, whose directories can
  // still be opened by number.
  void find_tasks() {
    for (pid_t tid : request_.tids) {
      if (find_by_pid(scan_.processes, tid) || find_by_pid(scan_.unplaced, tid)) continue;
      std::optional<TaskIds> ids = reader_.task_ids(tid);
      if (ids && ids->tgid != tid) scan_.tasks.push_back({tid, ids->tgid, std::move(ids->nspid)});
    }
  }

  // Whose procfs is this? If it can see us, ROOT/self/status says how many levels lie between
  // its namespace and ours; if not, its namespace may lie below ours. That namespace is its PID
  // 1's, or that of any process it shows at its own depth (an NStgid of one field), so that the
  // answer agrees with the tree even when PID 1 may not be inspected.
  void find_procfs_view() {
    ProcfsView& view = scan_.procfs;
    try {
      view.ns = ns_id_at(root_.get(), "1/ns/pid");
    } catch (const SysError&) {
      auto top = std::find_if(scan_.processes.begin(), scan_.processes.end(),
                              [](const Process& p) { return p.status.nstgid.size() == 1; });
      if (top != scan_.processes.end()) view.ns = top->ns;
    }
    if (self_status_) {
      view.levels = static_cast<int>(self_status_->nstgid.size()) - 1;
      if (view.levels == 0) {
        view.relation = ProcfsView::Relation::Same;
        view.ns = scan_.self;  // even when its PID 1 hides its ns/pid from us
      } else {
        view.relation = ProcfsView::Relation::Ancestor;
      }
      return;
    }
    if (!view.ns || !scan_.self) return;
    std::optional<int> levels = levels_below_self(*view.ns);
    view.relation = levels ? ProcfsView::Relation::Descendant : ProcfsView::Relation::Unrelated;
    view.levels = levels.value_or(0);
  }

  // hidepid= leaves other users' processes out of the listing without a word: find the option of
  // the scanned mount in our own mountinfo, by the mount's id.
  void find_hidepid() {
    struct statx stx {};
    if (::statx(root_.get(), "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) != 0 ||
        !(stx.stx_mask & STATX_MNT_ID)) {
      return;
    }
    ReadBuffer buf;
    for (auto [dir, path] :
         {std::pair{AT_FDCWD, "/proc/self/mountinfo"}, std::pair{root_.get(), "self/mountinfo"}}) {
      try {
        scan_.hidepid =
            procfs_hidepid(read_proc_file(dir, path, buf, ProcText::kRecords), stx.stx_mnt_id);
        return;
      } catch (const SysError&) {
      }
    }
  }

  UniqueFd root_;
  const ScanRequest& request_;
  Scan scan_;
  ProcessReader reader_;
  NsOpener opener_;
  NsClimber climber_;
  // While processes are placed: each read process, what became of it, whether it was re-read.
  std::vector<Process> read_;
  std::vector<NsFound> found_;
  std::vector<Outcome> outcome_;
  std::vector<bool> retried_;
  std::vector<std::size_t> chain_;         ///< resolve()'s unsettled ancestors, nearest first
  std::optional<ProcStatus> self_status_;  ///< ROOT/self/status before any worker started
};

}  // namespace

Scan LinuxSource::scan(const ScanRequest& request) { return Scanner(proc_root_, request).run(); }

}  // namespace pidns
