// graph: the PID-namespace tree built from one Scan. Pure: no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/inference.hpp"
#include "model/scan.hpp"
#include "names/container_label.hpp"

namespace pidns {

/// One PID namespace and what lives in it.
struct NsNode {
  NsId id;
  std::optional<NsId> parent;          ///< empty at the top of what can be seen
  std::vector<NsId> children;          ///< sorted by (dev, ino)
  std::span<const Process> processes;  ///< members, sorted by PID (owned by the graph)
  /// Depth below the outermost namespace seen: NStgid length - 1 for a procfs of the initial
  /// namespace, which is the kernel's own level.
  int level = 0;
  /// No member process of its own: found only as an ancestor (or, with --all, as held open).
  [[nodiscard]] bool hidden() const noexcept { return processes.empty(); }
  bool current = false;       ///< the namespace pidns-tree runs in
  std::optional<pid_t> init;  ///< the member whose innermost PID is 1, as procfs numbers it
  unsigned threads = 0;       ///< threads of all members
  /// The parent was not named by NS_GET_PARENT (EPERM: it lies outside pidns-tree's own
  /// namespace) but inferred from procfs: a member's parent process lives one level up.
  bool parent_inferred = false;
  std::optional<std::uint64_t> unique_id;   ///< NS_GET_ID, when asked and known
  std::optional<Owner> owner;               ///< owning user namespace, when asked
  std::optional<ContainerLabel> container;  ///< recognised from its init's cgroup, when read
  std::vector<Pin> pins;                    ///< what holds it, found with --all
  /// Inferred from status files alone: no inode is known (id is NsId::inferred(init)).
  [[nodiscard]] bool ns_inferred() const noexcept { return id.is_inferred(); }
  /// False where members may exist that the scan did not see: above the scanned procfs's own
  /// namespace, or at the depth of a process that could not be inspected or placed.
  bool all_members_seen = true;
};

/// The namespaces of one scan as a forest, in deterministic order.
class NamespaceGraph {
 public:
  /// Builds the forest. Throws std::runtime_error if the parent links nest deeper than the
  /// kernel allows (MAX_PID_NS_LEVEL) or loop, which only a broken source can produce.
  [[nodiscard]] static NamespaceGraph build(Scan scan);

  NamespaceGraph() = default;
  // Nodes view the graph's own process vector: moving keeps its buffer, copying would not.
  NamespaceGraph(NamespaceGraph&&) noexcept = default;
  NamespaceGraph& operator=(NamespaceGraph&&) noexcept = default;
  NamespaceGraph(const NamespaceGraph&) = delete;
  NamespaceGraph& operator=(const NamespaceGraph&) = delete;

  [[nodiscard]] const std::vector<NsId>& roots() const noexcept { return roots_; }
  [[nodiscard]] const NsNode& at(const NsId& id) const { return nodes_.at(id); }
  /// Every namespace, in no particular order.
  [[nodiscard]] const std::unordered_map<NsId, NsNode, NsIdHash>& nodes() const noexcept {
    return nodes_;
  }
  [[nodiscard]] const NsNode* find(const NsId& id) const;
  [[nodiscard]] std::size_t namespace_count() const noexcept { return nodes_.size(); }
  [[nodiscard]] std::size_t process_count() const noexcept { return processes_.size(); }

  [[nodiscard]] const std::string& proc_root() const noexcept { return proc_root_; }
  [[nodiscard]] const std::vector<pid_t>& inaccessible() const noexcept { return inaccessible_; }
  [[nodiscard]] const std::vector<pid_t>& malformed() const noexcept { return malformed_; }
  [[nodiscard]] std::size_t vanished() const noexcept { return vanished_; }
  [[nodiscard]] const ProcfsView& procfs() const noexcept { return procfs_; }
  [[nodiscard]] HidePid hidepid() const noexcept { return hidepid_; }
  /// Processes whose ns/pid could not be read, placed from their status (inference.hpp).
  [[nodiscard]] std::size_t inferred() const noexcept { return inferred_; }
  /// The process the scanned procfs numbers `pid`, or nullptr.
  [[nodiscard]] const Process* process(pid_t pid) const;

 private:
  // The phases of build(), in order.
  void place_unplaced(Scan& scan);
  void add_namespaces(Scan& scan);
  void add_processes(std::vector<Process> processes);
  void infer_hidden_parents();
  [[nodiscard]] std::vector<NsId> link_children();
  void assign_levels(const std::vector<NsId>& preorder);

  NsNode& node(const NsId& id);
  NsNode* find_node(const NsId& id);

  std::unordered_map<NsId, NsNode, NsIdHash> nodes_;
  std::vector<NsId> roots_;
  std::string proc_root_;
  std::vector<pid_t> inaccessible_;
  std::vector<pid_t> malformed_;
  std::size_t vanished_ = 0;
  ProcfsView procfs_;
  HidePid hidepid_ = HidePid::kOff;
  std::vector<int> unseen_depths_;  // procfs-relative depths of processes not placed
  bool unseen_anywhere_ = false;    // processes not seen whose depth is unknown
  std::size_t inferred_ = 0;
  std::vector<InferredNs> inferred_namespaces_;  // from place_unplaced(), for add_namespaces()
  std::vector<Process> processes_;               // grouped by namespace, then by PID
  std::vector<std::pair<pid_t, std::size_t>> by_pid_;  // (PID, index into processes_), by PID
};

}  // namespace pidns
