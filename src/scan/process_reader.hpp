// process_reader: what each /proc/PID says of its process: its status and, where its parent does
// not already tell, the identity of its ns/pid.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <future>
#include <optional>
#include <span>
#include <vector>

#include "kernel/sys.hpp"
#include "model/scan.hpp"

namespace pidns {

/// How a process read by ProcessReader came by its namespace.
enum class NsFound : unsigned char {
  kRead,       ///< stat of its ns/pid
  kAsParent,   ///< none read: its parent, read before it, is at its depth (ParentLink)
  kAskParent,  ///< none read: its parent was not read before it; decide once all are read
  kDenied,     ///< ns/pid may not be read (no ptrace rights): placed later, by inference
  kNamed,      ///< the BPF task iterator named it (bpf_processes): placed as read
};

/// What one pass over a list of PIDs found: the processes read, by PID, and beside each how it
/// came by its namespace (two vectors rather than one of pairs, so that the processes can move
/// on whole, never copied).
struct ProcessBatch {
  std::vector<Process> processes;   ///< by PID; Process::ns is meaningful only for kRead
  std::vector<NsFound> found;       ///< found[i] for processes[i]
  std::vector<pid_t> inaccessible;  ///< status may not be read
  std::vector<pid_t> malformed;     ///< status does not parse
  std::size_t vanished = 0;         ///< exited while being read
};

/// Reads processes of one procfs through its root directory descriptor. It makes no decision
/// beyond one: a process at its parent's depth needs no stat of its ns/pid (see placement.hpp).
/// Tested on the fixture procfs in tests/fixtures/proc.
class ProcessReader {
 public:
  explicit ProcessReader(int proc_root) : root_(proc_root) {}

  /// Every PID the procfs root lists, ascending.
  [[nodiscard]] std::vector<pid_t> list() const;
  /// Reads `pids` (ascending): status, and ns/pid where the parent (looked for among the PIDs
  /// read before it) does not tell. With `memberships` (--no-pids), status is not read: ns/pid
  /// is stat'ed, and the thread count is the link count of PID/task (two plus one per thread);
  /// Process::status then holds only `threads`, and status is read where ns/pid is denied.
  /// `jobs` threads read contiguous parts of the list into one vector, each looking for parents
  /// only within its part (kAskParent settles the rest), so the result does not depend on them.
  [[nodiscard]] ProcessBatch read(std::span<const pid_t> pids, unsigned jobs = 1,
                                  bool memberships = false) const;
  /// stat of PID/ns/pid. Throws SysError.
  [[nodiscard]] NsId stat_ns(pid_t pid) const;
  /// Reads PID/status alone: the ids of a thread that is not its process's leader (which /proc
  /// does not list), or nullopt.
  [[nodiscard]] std::optional<TaskIds> task_ids(pid_t tid) const;

 private:
  struct Part;
  void read_part(Part& part) const;
  // Reads and parses status into slot i; false (and counted) if denied, gone or malformed.
  bool fill_status(Part& part, std::size_t i, ReadBuffer& buf) const;
  // fill_status, then the namespace: as the parent's, or from a stat of ns/pid.
  void read_status(Part& part, std::size_t i, ReadBuffer& buf) const;
  void read_membership(Part& part, std::size_t i, ReadBuffer& buf) const;

  int root_;
};

/// The PIDs a procfs lists, ascending, taken on a thread of its own where --jobs leave one to
/// spare, so that the listing (about 1 µs per process in the kernel) overlaps what a scan does
/// before it needs the list; else when it is taken.
class PidListing {
 public:
  PidListing(const ProcessReader& reader, unsigned jobs);
  /// The list; waits for it. Once. Throws what ProcessReader::list() throws.
  [[nodiscard]] std::vector<pid_t> take() { return pids_.get(); }

 private:
  std::future<std::vector<pid_t>> pids_;
};

}  // namespace pidns
