// view: which part of the forest to show.
#include "model/view.hpp"

#include <algorithm>
#include <stdexcept>

namespace pidns {

std::vector<NsId> View::shown_children(const NsNode& ns) const {
  std::vector<NsId> shown;
  for (const NsId& child : ns.children) {
    if (shows_child(ns.id, child)) shown.push_back(child);
  }
  return shown;
}

std::pair<std::size_t, std::size_t> count_cut(const NamespaceGraph& graph, const View& view,
                                              const NsId& id) {
  std::size_t namespaces = 0, processes = 0;
  std::vector<NsId> todo = view.shown_children(graph.at(id));
  while (!todo.empty()) {
    const NsNode& n = graph.at(todo.back());
    todo.pop_back();
    ++namespaces;
    if (view.shows_processes(n.id)) processes += n.processes.size();
    std::vector<NsId> below = view.shown_children(n);
    todo.insert(todo.end(), below.begin(), below.end());
  }
  return {namespaces, processes};
}

View whole_view(const NamespaceGraph& graph, std::optional<int> max_depth) {
  View v;
  v.tops = graph.roots();
  v.max_depth = max_depth;
  return v;
}

View pid_view(const NamespaceGraph& graph, const std::vector<const Process*>& selected,
              std::optional<int> max_depth) {
  View v;
  v.max_depth = max_depth;
  for (const Process* p : selected) {
    v.marked.insert(p->pid);
    v.selected.insert(p->ns);
    for (std::optional<NsId> up = graph.at(p->ns).parent; up; up = graph.at(*up).parent) {
      v.path_only.insert(*up);
    }
  }
  // A namespace inside a subtree drawn in full is not merely on the way to another.
  std::erase_if(v.path_only, [&](const NsId& id) {
    for (std::optional<NsId> n = id; n; n = graph.at(*n).parent) {
      if (v.selected.contains(*n)) return true;
    }
    return false;
  });
  for (const NsId& root : graph.roots()) {
    if (v.path_only.contains(root) || v.selected.contains(root)) v.tops.push_back(root);
  }
  return v;
}

View ns_view(const NamespaceGraph& graph, const std::vector<NsId>& ids,
             std::optional<int> max_depth) {
  View v;
  v.max_depth = max_depth;
  for (const NsId& id : ids) {
    if (graph.find(id) == nullptr) {
      throw std::runtime_error("no process of " + graph.proc_root() + " lives in or below " +
                               ns_label(id) + " (--all also finds namespaces held open)");
    }
    v.selected.insert(id);
  }
  // Drawn from each selected namespace that is not inside another selected one.
  for (const NsId& id : ids) {
    bool nested = false;
    for (std::optional<NsId> up = graph.at(id).parent; up && !nested; up = graph.at(*up).parent) {
      nested = v.selected.contains(*up);
    }
    if (!nested && std::find(v.tops.begin(), v.tops.end(), id) == v.tops.end()) {
      v.tops.push_back(id);
    }
  }
  std::sort(v.tops.begin(), v.tops.end());
  return v;
}

}  // namespace pidns
