// process_reader: what each /proc/PID says of its process: its status and, where its parent does
// not already tell, the identity of its ns/pid.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "source.hpp"
#include "sys.hpp"

namespace pidns {

/// How a process read by ProcessReader came by its namespace.
enum class NsFound {
  kRead,       ///< stat of its ns/pid
  kAsParent,   ///< none read: its parent, read before it, is at its depth (ParentLink)
  kAskParent,  ///< none read: its parent was not read before it; decide once all are read
  kDenied,     ///< ns/pid may not be read (no ptrace rights): placed later, by inference
};

/// One process as read, before placement.
struct ReadProcess {
  Process process;  ///< process.ns is meaningful only for NsFound::kRead
  NsFound found = NsFound::kRead;
};

/// What one pass over a list of PIDs found.
struct ProcessBatch {
  std::vector<ReadProcess> processes;  ///< by PID
  std::vector<pid_t> inaccessible;     ///< status may not be read
  std::vector<pid_t> malformed;        ///< status does not parse
  std::size_t vanished = 0;            ///< exited while being read
};

/// Reads processes of one procfs through its root directory descriptor. It makes no decision
/// beyond one: a process at its parent's depth needs no stat of its ns/pid (see placement.hpp).
/// Tested on the fixture procfs in tests/fixtures/proc.
class ProcessReader {
 public:
  explicit ProcessReader(int proc_root) : root_(proc_root) {}

  /// Every PID the procfs root lists, ascending.
  [[nodiscard]] std::vector<pid_t> list() const;
  /// Reads `pids` (ascending). A parent is looked for among the PIDs read before in the same
  /// call, so that calls on separate chunks of one list are independent of each other.
  [[nodiscard]] ProcessBatch read(std::span<const pid_t> pids) const;
  /// What --no-pids needs, without reading status: the identity of each process's ns/pid, and
  /// its thread count from the link count of PID/task (two plus one per thread). Process::status
  /// holds only `threads`. Where ns/pid may not be read, status is read instead (kDenied).
  [[nodiscard]] ProcessBatch read_memberships(std::span<const pid_t> pids) const;
  /// read() or read_memberships() of `pids`, split in `jobs` contiguous chunks read by as many
  /// threads (no thread for 1), and merged in PID order: the same result as one call, since
  /// each call looks for parents only among the PIDs it read (kAskParent settles the rest).
  [[nodiscard]] ProcessBatch read_all(std::span<const pid_t> pids, unsigned jobs,
                                      bool memberships) const;
  /// stat of PID/ns/pid. Throws SysError.
  [[nodiscard]] NsId stat_ns(pid_t pid) const;
  /// Reads PID/status alone: the ids of a thread that is not its process's leader (which /proc
  /// does not list), or nullopt.
  [[nodiscard]] std::optional<TaskIds> task_ids(pid_t tid) const;

 private:
  using ReadOne = void (ProcessReader::*)(pid_t, ReadBuffer&, ProcessBatch&) const;
  [[nodiscard]] ProcessBatch read_each(std::span<const pid_t> pids, ReadOne read) const;
  void read_one(pid_t pid, ReadBuffer& buf, ProcessBatch& out) const;
  void read_membership(pid_t pid, ReadBuffer& buf, ProcessBatch& out) const;

  int root_;
};

}  // namespace pidns
