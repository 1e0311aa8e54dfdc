// walk: the one traversal of a View that every renderer shares. It decides what is drawn and in
// which order: namespaces, their listed processes (flat or as a tree by PPid), the summary of
// kernel threads left out, what --max-depth cuts, and child namespaces. Renderers are visitors
// that keep only their syntax (lxkns's asciitree visitor, ninja's graphviz.cc).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "model/graph.hpp"
#include "model/view.hpp"

namespace pidns {

/// Where a row stands among the rows drawn under the same namespace or process.
struct Place {
  bool top = false;   ///< a namespace at the top of the view: no branch leads to it
  bool last = false;  ///< the last row under its parent row
  int depth = 0;      ///< namespaces: levels below the top, for --max-depth's cut
};

/// What the walk does beyond the View's choice of namespaces.
struct WalkOptions {
  bool processes = true;        ///< list member processes (--no-pids turns it off)
  bool ptree = false;           ///< as a tree by PPid (--ptree)
  bool kernel_threads = false;  ///< list kernel threads too; otherwise one summary row each
};

/// Receives the rows of a walk in display order. For each namespace: enter_namespace, then (when
/// its members are listed) begin_processes, its process rows, end_processes, then the kernel
/// thread summary, then cut or its child namespaces between begin_children and end_children,
/// then leave_namespace. Process rows nest (enter_process ... leave_process) with --ptree.
class Visitor {
 public:
  virtual ~Visitor() = default;
  virtual void enter_namespace(const NsNode& ns, const Place& at) = 0;
  virtual void begin_processes(const NsNode& /*ns*/) {}
  virtual void enter_process(const NsNode& ns, const Process& p, const Place& at) = 0;
  virtual void leave_process(const NsNode& /*ns*/, const Process& /*p*/) {}
  virtual void end_processes(const NsNode& /*ns*/) {}
  /// `count` kernel threads of `ns` that are not listed.
  virtual void kernel_threads(const NsNode& ns, std::size_t count, const Place& at) = 0;
  /// What --max-depth leaves out below `ns`: namespaces, and the processes listed in them.
  virtual void cut(const NsNode& ns, std::size_t namespaces, std::size_t processes,
                   const Place& at) = 0;
  virtual void begin_children(const NsNode& /*ns*/) {}
  virtual void end_children(const NsNode& /*ns*/) {}
  virtual void leave_namespace(const NsNode& /*ns*/) {}
};

void walk(const NamespaceGraph& graph, const View& view, const WalkOptions& options,
          Visitor& visitor);

/// Members of a namespace as a forest by PPid: for each process (by index into `members`), the
/// indices of its children; roots are members whose parent is elsewhere or not listed. Only
/// members for which `listed` is true take part.
struct ProcessForest {
  std::vector<std::size_t> roots;
  std::vector<std::vector<std::size_t>> children;
};
[[nodiscard]] ProcessForest process_forest(std::span<const Process> members,
                                           const std::vector<bool>& listed);

}  // namespace pidns
