// bpf_processes: the BPF task iterator's way of reading every process of a scan: one pass of
// the iterator (scan/bpf_tasks.hpp) for every process of our own PID namespace and the namespaces
// they live in, then procfs for what it does not give. procfs_processes.hpp is the other way;
// both fill the same Scan, so that nothing after the scan can tell them apart.
#pragma once

#include "scan/bpf_tasks.hpp"
#include "scan/scan_context.hpp"

namespace pidns {

/// Reads every process the procfs lists into ctx.scan (processes, unplaced, inaccessible,
/// malformed, vanished) and records their namespaces in Scan::namespaces, as
/// read_processes_procfs() would. The procfs must be of our own PID namespace (ctx.own_procfs()),
/// whose tasks the iterator walks, and Scan::self known.
///
/// The procfs `listing` (taken before or alongside the pass) decides which processes there are,
/// as it does for the procfs scan: a task the pass names that the listing lacks started after
/// it (left out); a listed PID the pass does not name exited meanwhile, or the iterator missed
/// it, and is read through procfs (gone: counted as vanished). So are kernel threads where names
/// are shown (status names workqueue workers and long kernel thread names apart from comm), and,
/// below the initial namespace, a process whose parent the pass does not name (then its PPid is 0
/// or a process the iterator missed). Only the namespaces of processes kept are recorded from
/// the pass; one with no member kept is climbed to from a member below it, or through a member
/// read through procfs, as the procfs scan climbs.
void read_processes_bpf(ScanContext& ctx, BpfTaskIterator& iterator, PidListing& listing);

}  // namespace pidns
