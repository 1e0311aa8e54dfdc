// graph: the PID-namespace tree built from one Scan.
#include "graph.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace pidns {

const NsNode* NamespaceGraph::find(const NsId& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

NamespaceGraph NamespaceGraph::build(Scan scan) {
  NamespaceGraph g;
  auto node = [&g](const NsId& id) -> NsNode& {
    auto [it, inserted] = g.nodes_.try_emplace(id);
    if (inserted) it->second.id = id;
    return it->second;
  };

  for (const auto& [id, info] : scan.namespaces) {
    node(id).parent = info.parent;
    if (info.parent) node(*info.parent);
  }
  g.process_count_ = scan.processes.size();
  for (Process& p : scan.processes) {
    NsNode& n = node(p.ns);
    n.threads += p.status.threads;
    n.processes.push_back(std::move(p));
  }

  for (auto& [id, n] : g.nodes_) {
    n.hidden = n.processes.empty();
    n.current = scan.self && id == *scan.self;
    std::sort(n.processes.begin(), n.processes.end(),
              [](const Process& a, const Process& b) { return a.pid < b.pid; });
    for (const Process& p : n.processes) {
      if (p.status.nstgid.back() == 1) n.init = p.pid;
    }
    if (n.parent) {
      g.nodes_.at(*n.parent).children.push_back(id);
    } else {
      g.roots_.push_back(id);
    }
  }
  std::sort(g.roots_.begin(), g.roots_.end());

  // Order children, and check the links form a forest no deeper than the kernel allows.
  std::vector<std::pair<NsId, int>> stack;  // (namespace, depth below its root)
  std::vector<NsId> preorder;
  for (const NsId& r : g.roots_) stack.emplace_back(r, 0);
  while (!stack.empty()) {
    auto [id, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxPidNsLevel) {
      throw std::runtime_error("PID namespaces nested deeper than the kernel's 32 levels");
    }
    preorder.push_back(id);
    NsNode& n = g.nodes_.at(id);
    std::sort(n.children.begin(), n.children.end());
    for (const NsId& c : n.children) stack.emplace_back(c, depth + 1);
  }
  if (preorder.size() != g.nodes_.size()) {
    throw std::runtime_error("PID namespace parent links form a cycle");
  }

  // Levels. A member's NStgid says how far below the scanned procfs's namespace it lives; a
  // namespace without members lies one level above its shallowest child. Then everything is
  // shifted so that the outermost namespace seen (perhaps an ancestor of the procfs's own
  // namespace, found through NS_GET_PARENT) is level 0.
  constexpr int kUnknown = INT_MIN;
  for (auto it = preorder.rbegin(); it != preorder.rend(); ++it) {  // children first
    NsNode& n = g.nodes_.at(*it);
    n.level = kUnknown;
    if (!n.processes.empty()) {
      n.level = static_cast<int>(n.processes.front().status.nstgid.size()) - 1;
      continue;
    }
    for (const NsId& c : n.children) {
      int child = g.nodes_.at(c).level;
      if (child != kUnknown && (n.level == kUnknown || child - 1 < n.level)) n.level = child - 1;
    }
  }
  int lowest = 0;
  for (const NsId& id : preorder) {  // parents first: fill what is still unknown
    NsNode& n = g.nodes_.at(id);
    if (n.level == kUnknown) n.level = n.parent ? g.nodes_.at(*n.parent).level + 1 : 0;
    lowest = std::min(lowest, n.level);
  }
  for (auto& [id, n] : g.nodes_) n.level -= lowest;

  g.proc_root_ = std::move(scan.proc_root);
  g.inaccessible_ = std::move(scan.inaccessible);
  g.malformed_ = std::move(scan.malformed);
  std::sort(g.inaccessible_.begin(), g.inaccessible_.end());
  std::sort(g.malformed_.begin(), g.malformed_.end());
  g.vanished_ = scan.vanished;
  return g;
}

}  // namespace pidns
