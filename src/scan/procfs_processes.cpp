// procfs_processes: status files, read in parallel, then placed.
#include "scan/procfs_processes.hpp"

#include <unordered_map>

#include "scan/process_placer.hpp"

namespace pidns {
namespace {

// Without status (--no-pids), what NStgid would have said follows from the climb: a member's
// depth below the procfs's namespace (ours) is its namespace's, and its innermost PID is 1 if
// the kernel named it that namespace's PID 1 (NsInfo::init). The other fields are not read.
void complete_memberships(Scan& scan) {
  std::unordered_map<NsId, std::size_t, NsIdHash> depth;
  for (Process& p : scan.processes) {
    auto [it, fresh] = depth.try_emplace(p.ns, 0);
    // Every member's namespace was climbed to ours or below it (this procfs is our own).
    if (fresh) it->second = static_cast<std::size_t>(levels_below_self(scan, p.ns).value_or(0));
    auto info = scan.namespaces.find(p.ns);
    bool init = info != scan.namespaces.end() && info->second.init == p.pid;
    p.status.nstgid.assign(it->second + 1, p.pid);
    if (init) p.status.nstgid.back() = 1;
  }
}

}  // namespace

void read_processes_procfs(ScanContext& ctx, PidListing& listing) {
  bool memberships = !ctx.request.statuses && ctx.own_procfs() && kernel_names_inits();
  ProcessBatch batch = ctx.reader.read(listing.take(), ctx.request.jobs, memberships);
  count_own_threads_at_start(batch.processes, ctx);
  ProcessPlacer(ctx).place(std::move(batch));
  if (memberships) complete_memberships(ctx.scan);
}

}  // namespace pidns
