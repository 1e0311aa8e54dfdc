// scan_context: what every phase of one scan works with, whichever source reads the processes:
// the scanned procfs and its readers, the request, and the Scan being filled.
#pragma once

#include <optional>

#include "kernel/nsfs.hpp"
#include "kernel/procfs.hpp"
#include "model/scan.hpp"
#include "scan/ns_climber.hpp"
#include "scan/process_reader.hpp"

namespace pidns {

/// Owned by LinuxSource's Scanner for one scan; the phases borrow it.
struct ScanContext {
  int root;  ///< the scanned procfs's root directory
  const ScanRequest& request;
  Scan& scan;
  const ProcessReader& reader;
  const NsOpener& opener;
  NsClimber& climber;
  /// ROOT/self/status, read before any --jobs worker started: whether this procfs can see us
  /// (nullopt if not), from which namespace, and our own threads.
  const std::optional<ProcStatus>& self_status;

  /// Whether this procfs belongs to our own PID namespace: then the PIDs that namespace ioctls
  /// and the BPF task iterator give (in the caller's namespace) are the PIDs this procfs shows.
  [[nodiscard]] bool own_procfs() const { return self_status && self_status->nstgid.size() == 1; }
};

}  // namespace pidns
