// view: which part of the forest to show.
#include "view.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "render.hpp"

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

std::string missing_pid_reason(const NamespaceGraph& graph, pid_t pid) {
  auto has = [pid](const std::vector<pid_t>& pids) {
    return std::binary_search(pids.begin(), pids.end(), pid);
  };
  if (has(graph.inaccessible())) return "permission denied for PID " + std::to_string(pid);
  if (has(graph.malformed())) return "unparsable status for PID " + std::to_string(pid);
  return "no process with PID " + std::to_string(pid) + " in " + graph.proc_root();
}

View pid_view(const NamespaceGraph& graph, const std::vector<pid_t>& pids,
              std::optional<int> max_depth) {
  View v;
  v.max_depth = max_depth;
  for (pid_t pid : pids) {
    const Process* p = graph.process(pid);
    if (p == nullptr) throw std::runtime_error(missing_pid_reason(graph, pid));
    v.marked.insert(pid);
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

std::optional<std::uint64_t> parse_ns_inode(std::string_view text) {
  if (text.starts_with("pid:[") && text.ends_with("]")) text = text.substr(5, text.size() - 6);
  std::uint64_t ino = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ino);
  if (text.empty() || text.front() == '+' || ec != std::errc() ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  return ino;
}

std::optional<NsId> find_by_inode(const NamespaceGraph& graph, std::string_view text) {
  std::optional<std::uint64_t> ino = parse_ns_inode(text);
  if (!ino) return std::nullopt;
  std::optional<NsId> found;
  for (const auto& [id, node] : graph.nodes()) {
    if (id.ino != *ino) continue;
    if (found) {
      throw std::runtime_error("pid:[" + std::to_string(*ino) +
                               "] names namespaces on two nsfs devices: give its path");
    }
    found = id;
  }
  if (!found) {
    throw std::runtime_error("no PID namespace pid:[" + std::to_string(*ino) + "] in the tree of " +
                             graph.proc_root() + " (--all also finds namespaces held open)");
  }
  return found;
}

}  // namespace pidns
