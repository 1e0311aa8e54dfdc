// graph: the PID-namespace tree built from one Scan.
#include "graph.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace pidns {

namespace {

int nstgid_level(const NsNode& n) {
  return static_cast<int>(n.processes.front().status.nstgid.size()) - 1;
}

}  // namespace

const NsNode* NamespaceGraph::find(const NsId& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

const Process* NamespaceGraph::process(pid_t pid) const {
  auto it = std::lower_bound(by_pid_.begin(), by_pid_.end(), std::pair{pid, std::size_t{0}});
  return it == by_pid_.end() || it->first != pid ? nullptr : &processes_[it->second];
}

ProcessForest process_forest(const NsNode& ns) {
  ProcessForest forest;
  forest.children.resize(ns.processes.size());
  std::unordered_map<pid_t, std::size_t> index;
  for (std::size_t i = 0; i < ns.processes.size(); ++i) index.emplace(ns.processes[i].pid, i);
  // ns.processes is sorted by PID, so every child list comes out sorted too.
  for (std::size_t i = 0; i < ns.processes.size(); ++i) {
    auto parent = index.find(ns.processes[i].status.ppid);
    if (parent == index.end() || parent->second == i) {
      forest.roots.push_back(i);
    } else {
      forest.children[parent->second].push_back(i);
    }
  }
  // PPid links cannot loop in the kernel, but a PID reused mid-scan can make them: cut each loop
  // where it is found, so that every member is drawn exactly once.
  std::vector<bool> reached(ns.processes.size(), false);
  auto reach = [&](std::size_t root) {
    std::vector<std::size_t> todo{root};
    while (!todo.empty()) {
      std::size_t i = todo.back();
      todo.pop_back();
      reached[i] = true;
      for (std::size_t c : forest.children[i]) todo.push_back(c);
    }
  };
  for (std::size_t r : forest.roots) reach(r);
  for (std::size_t i = 0; i < ns.processes.size(); ++i) {
    if (reached[i]) continue;
    std::vector<std::size_t>& siblings = forest.children[index.at(ns.processes[i].status.ppid)];
    std::erase(siblings, i);
    forest.roots.push_back(i);
    reach(i);
  }
  std::sort(forest.roots.begin(), forest.roots.end());
  return forest;
}

NamespaceGraph NamespaceGraph::build(Scan scan) {
  NamespaceGraph g;
  auto node = [&g](const NsId& id) -> NsNode& {
    auto [it, inserted] = g.nodes_.try_emplace(id);
    if (inserted) it->second.id = id;
    return it->second;
  };

  for (auto& [id, info] : scan.namespaces) {
    NsNode& n = node(id);
    n.parent = info.parent;
    n.unique_id = info.unique_id;
    n.owner = info.owner;
    if (!info.cgroup.empty()) n.container = recognise_cgroup(info.cgroup);
    if (n.container) n.container->names = std::move(info.names);
    n.pins = std::move(info.pins);
    if (info.parent) node(*info.parent);
  }
  // One vector of every process, grouped by namespace and sorted by PID within it; each node
  // views its own run. Processes are held once, not once in the scan and again per namespace.
  g.processes_ = std::move(scan.processes);
  std::sort(g.processes_.begin(), g.processes_.end(), [](const Process& a, const Process& b) {
    return a.ns != b.ns ? a.ns < b.ns : a.pid < b.pid;
  });
  g.by_pid_.reserve(g.processes_.size());
  for (std::size_t begin = 0, end; begin < g.processes_.size(); begin = end) {
    NsNode& n = node(g.processes_[begin].ns);
    for (end = begin; end < g.processes_.size() && g.processes_[end].ns == n.id; ++end) {
      const Process& p = g.processes_[end];
      n.threads += p.status.threads;
      if (p.status.nstgid.back() == 1) n.init = p.pid;
      g.by_pid_.emplace_back(p.pid, end);
    }
    n.processes = std::span<const Process>(g.processes_.data() + begin, end - begin);
  }
  std::sort(g.by_pid_.begin(), g.by_pid_.end());
  for (auto& [id, n] : g.nodes_) {
    n.current = scan.self && id == *scan.self;
  }
  g.infer_hidden_parents();
  for (auto& [id, n] : g.nodes_) {
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
  g.self_ = scan.self;
  g.procfs_ = scan.procfs;
  return g;
}

// Inside a container reading its host's procfs, NS_GET_PARENT answers EPERM for every namespace
// outside the container's own, and the host's tree falls apart into a forest. procfs still tells
// where each piece belongs: a process's parent lives in the process's namespace or in an
// ancestor of it (fork puts a child in its parent's namespace or below, setns(2) only moves down,
// and orphans are reparented to an ancestor), so a parent process exactly one level up, by
// NStgid length, lives in the parent namespace. Namespaces without members stay unknown.
void NamespaceGraph::infer_hidden_parents() {
  for (auto& [id, n] : nodes_) {
    if (n.parent || n.processes.empty()) continue;
    int level = nstgid_level(n);
    for (const Process& p : n.processes) {
      const Process* parent = process(p.status.ppid);
      if (parent == nullptr || parent->ns == id) continue;
      const NsNode& up = nodes_.at(parent->ns);
      if (nstgid_level(up) != level - 1) continue;
      n.parent = parent->ns;
      n.parent_inferred = true;
      break;
    }
  }
}

}  // namespace pidns
