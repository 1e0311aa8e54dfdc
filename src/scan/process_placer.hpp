// process_placer: which namespace each process read lives in, settled parents first: by its
// parent's (the NStgid-depth rule, model/placement.hpp), by a stat of its own ns/pid, or left to
// the graph's inference where that may not be read; each namespace met for the first time is
// climbed. Both sources of processes (procfs_processes, bpf_processes) end here.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "scan/scan_context.hpp"

namespace pidns {

/// pidns-tree counts as the process it was before it started any --jobs worker: its workers,
/// alive while its own status (or task directory, or task iterator record) is read, would make
/// its thread count, and its namespace's, change with --jobs and with the load. `by_pid`: the
/// processes read, by PID.
void count_own_threads_at_start(std::vector<Process>& by_pid, const ScanContext& ctx);

class ProcessPlacer {
 public:
  explicit ProcessPlacer(ScanContext& ctx) : ctx_(ctx) {}

  /// Places every process of `batch` (by PID) and hands it on: placed ones to Scan::processes
  /// (by PID), those whose ns/pid may not be read to Scan::unplaced; those that vanished, and
  /// the batch's inaccessible, malformed and vanished, are counted. A process the task iterator
  /// named (NsFound::kNamed) is placed as it is: its namespace is recorded already.
  void place(ProcessBatch batch);

 private:
  enum class Outcome { kTodo, kBusy, kPlaced, kUnplaced, kVanished };

  std::optional<std::size_t> parent_of(std::size_t i) const;
  void resolve(std::size_t i);
  void settle(std::size_t i);
  void stat_own(std::size_t i);
  void admit(std::size_t i, const Process* placed_parent);
  void read_again(std::size_t i);
  bool place_by_parent(const Process& p, const Process* parent);
  void hand_on();

  ScanContext& ctx_;
  // While processes are placed: each read process, what became of it, whether it was re-read.
  std::vector<Process> read_;
  std::vector<NsFound> found_;
  std::vector<Outcome> outcome_;
  std::vector<bool> retried_;
  std::vector<std::size_t> chain_;  ///< resolve()'s unsettled ancestors, nearest first
};

}  // namespace pidns
