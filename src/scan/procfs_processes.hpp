// procfs_processes: the procfs way of reading every process of a scan: /proc/PID/status of each
// (on --jobs threads), ns/pid where the parent does not tell, the climb of each new namespace.
// bpf_processes.hpp is the other way, through the BPF task iterator.
#pragma once

#include "scan/scan_context.hpp"

namespace pidns {

/// Reads every process the procfs lists into ctx.scan (processes, unplaced, inaccessible,
/// malformed, vanished) and climbs their namespaces into Scan::namespaces. With --no-pids
/// (ScanRequest::statuses false) over our own procfs on a kernel that names inits (Linux 6.11),
/// a process costs a stat of its ns/pid and one of its task directory instead of its status.
void read_processes_procfs(ScanContext& ctx, PidListing& listing);

}  // namespace pidns
