// linux_source: the real kernel behind NsSource. It opens the procfs root, chooses how the
// processes are read, and drives the phases of a scan in their order.
#include "scan/linux_source.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

#include "kernel/nsfs.hpp"
#include "scan/bpf_processes.hpp"
#include "scan/bpf_tasks.hpp"
#include "scan/label_reader.hpp"
#include "scan/ns_climber.hpp"
#include "scan/pin_finder.hpp"
#include "scan/process_reader.hpp"
#include "scan/procfs_processes.hpp"

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

}  // namespace

// The BPF task iterator, opened once per LinuxSource (--watch rescans reuse it), and the choice
// of whether a scan uses it.
struct LinuxSource::Iterator {
  explicit Iterator(SourceChoice c) : choice(c) {}

  /// The iterator for this scan, or nullptr where procfs is to be read. Throws where --source bpf
  /// was chosen and it cannot be used.
  BpfTaskIterator* for_scan(const ScanContext& ctx) {
    if (choice == SourceChoice::kProcfs) return nullptr;
    std::string why = scope_refusal(ctx);
    if (why.empty()) {
      // Only --source bpf explains a failed load: auto falls back silently, and sooner.
      if (!opened) opened = open_task_iterator(/*explain=*/choice == SourceChoice::kBpf);
      if (auto* iterator = std::get_if<BpfTaskIterator>(&*opened)) return iterator;
      why = std::get<std::string>(*opened);
    }
    if (choice == SourceChoice::kBpf) throw std::runtime_error("--source bpf: " + why);
    return nullptr;
  }

  // The iterator walks the tasks of the PID namespace of whoever creates it: ours.
  static std::string scope_refusal(const ScanContext& ctx) {
    if (!ctx.scan.self) return "pidns-tree's own PID namespace is unknown (no /proc/self/ns/pid)";
    if (!ctx.own_procfs()) {
      return ctx.scan.proc_root +
             " is not the procfs of pidns-tree's own PID namespace, whose tasks the iterator "
             "walks";
    }
    return {};
  }

  SourceChoice choice;
  std::optional<std::variant<BpfTaskIterator, std::string>> opened;
};

namespace {

// One pass over one procfs. Owns the per-run state that LinuxSource::scan() must not keep.
class Scanner {
 public:
  Scanner(const std::string& proc_root, const ScanRequest& request, LinuxSource::Iterator& bpf)
      : root_(open_procfs_root(proc_root)),
        request_(request),
        reader_(root_.get()),
        opener_(root_.get()),
        climber_(scan_.namespaces, request_),
        bpf_(bpf) {
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

  // The one phase that differs between the two sources: both fill the same fields of the Scan.
  // The listing of the procfs starts first, on a thread of its own where --jobs allow: the
  // iterator's load and pass go on meanwhile.
  void read_processes() {
    PidListing listing(reader_, request_.jobs);
    ScanContext ctx{root_.get(), request_, scan_, reader_, opener_, climber_, self_status_};
    if (BpfTaskIterator* iterator = bpf_.for_scan(ctx)) {
      read_processes_bpf(ctx, *iterator, listing);
    } else {
      read_processes_procfs(ctx, listing);
    }
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
    std::optional<int> levels = levels_below_self(scan_, *view.ns);
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
  LinuxSource::Iterator& bpf_;
  std::optional<ProcStatus> self_status_;  ///< ROOT/self/status before any worker started
};

}  // namespace

LinuxSource::LinuxSource(std::string proc_root, SourceChoice choice)
    : proc_root_(std::move(proc_root)), iterator_(std::make_unique<Iterator>(choice)) {}

LinuxSource::~LinuxSource() = default;

Scan LinuxSource::scan(const ScanRequest& request) {
  return Scanner(proc_root_, request, *iterator_).run();
}

}  // namespace pidns
