// view: which part of the forest to show (--pid, --ns, --max-depth). Pure: no I/O.
#pragma once

#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model/graph.hpp"

namespace pidns {

/// A selection of the forest for the renderers.
struct View {
  /// Where drawing starts: the forest's roots, or the tops of the selected branches.
  std::vector<NsId> tops;
  /// Namespaces drawn only as the way down to a selected one: their line, none of their
  /// processes, and only the children that lead on. Empty when nothing is selected.
  std::unordered_set<NsId, NsIdHash> path_only;
  /// Processes to mark (--pid).
  std::unordered_set<pid_t> marked;
  /// Levels below a top that are drawn; deeper subtrees are summarised. nullopt: no limit.
  std::optional<int> max_depth;

  /// Namespaces whose whole subtree is drawn (--pid, --ns); empty for the whole forest.
  std::unordered_set<NsId, NsIdHash> selected;

  /// Whether `child` of a drawn namespace is drawn too.
  [[nodiscard]] bool shows_child(const NsId& parent, const NsId& child) const {
    return !path_only.contains(parent) || path_only.contains(child) || selected.contains(child);
  }
  [[nodiscard]] bool shows_processes(const NsId& id) const { return !path_only.contains(id); }
  /// The children of `ns` that are drawn, in order, unless --max-depth cuts them all.
  [[nodiscard]] std::vector<NsId> shown_children(const NsNode& ns) const;
  /// Whether --max-depth cuts what lies below a namespace drawn `depth` levels under its top.
  [[nodiscard]] bool cuts_below(int depth) const { return max_depth && depth >= *max_depth; }
};

/// What --max-depth leaves out below `id`: the namespaces the view would draw under it, and
/// the processes it would list in them. (namespaces, processes)
[[nodiscard]] std::pair<std::size_t, std::size_t> count_cut(const NamespaceGraph& graph,
                                                            const View& view, const NsId& id);

/// The whole forest.
[[nodiscard]] View whole_view(const NamespaceGraph& graph, std::optional<int> max_depth);

/// The branches from the top down to the namespaces of `selected` (processes of the graph), with
/// those namespaces' subtrees; the processes are marked.
[[nodiscard]] View pid_view(const NamespaceGraph& graph,
                            const std::vector<const Process*>& selected,
                            std::optional<int> max_depth);

/// The subtrees of the namespaces `ids`. Throws std::runtime_error for one not in the graph.
[[nodiscard]] View ns_view(const NamespaceGraph& graph, const std::vector<NsId>& ids,
                           std::optional<int> max_depth);

}  // namespace pidns
