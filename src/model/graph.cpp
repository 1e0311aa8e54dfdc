// graph: the PID-namespace tree built from one Scan.
#include "model/graph.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <utility>

#include "model/inference.hpp"

namespace pidns {

const NsNode* NamespaceGraph::find(const NsId& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

const Process* NamespaceGraph::process(pid_t pid) const {
  auto it = std::lower_bound(by_pid_.begin(), by_pid_.end(), std::pair{pid, std::size_t{0}});
  return it == by_pid_.end() || it->first != pid ? nullptr : &processes_[it->second];
}

NamespaceGraph NamespaceGraph::build(Scan scan) {
  NamespaceGraph g;
  g.place_unplaced(scan);
  g.add_namespaces(scan);
  // The nodes now hold what they need of the scan's namespaces: free those (cgroup paths, names)
  // before the process index is built, so the two never peak together.
  std::exchange(scan.namespaces, {});
  g.add_processes(std::move(scan.processes));
  if (scan.self) {
    if (NsNode* self = g.find_node(*scan.self)) self->current = true;
  }
  g.infer_hidden_parents();
  std::vector<NsId> preorder = g.link_children();
  g.assign_levels(preorder);

  g.proc_root_ = std::move(scan.proc_root);
  g.inaccessible_ = std::move(scan.inaccessible);
  g.malformed_ = std::move(scan.malformed);
  std::sort(g.inaccessible_.begin(), g.inaccessible_.end());
  std::sort(g.malformed_.begin(), g.malformed_.end());
  g.vanished_ = scan.vanished;
  g.procfs_ = scan.procfs;
  g.hidepid_ = scan.hidepid;
  return g;
}

NsNode& NamespaceGraph::node(const NsId& id) {
  auto [it, inserted] = nodes_.try_emplace(id);
  if (inserted) it->second.id = id;
  return it->second;
}

NsNode* NamespaceGraph::find_node(const NsId& id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : &it->second;
}

// Processes whose ns/pid could not be read are placed where a relative at their depth was read,
// then by the rules of inference (inference.hpp). The rest are counted as not inspected, and
// remembered by depth: a namespace at such a depth may have members that are not seen.
void NamespaceGraph::place_unplaced(Scan& scan) {
  std::size_t unreadable = scan.unplaced.size();
  std::vector<Process> kin = place_by_kin(scan.processes, scan.unplaced);
  std::move(kin.begin(), kin.end(), std::back_inserter(scan.processes));
  std::unordered_map<NsId, std::optional<NsId>, NsIdHash> parents;
  for (const auto& [id, info] : scan.namespaces) parents.emplace(id, info.parent);
  Inference inference = infer_namespaces(scan.processes, scan.unplaced, parents,
                                         scan.inference_cgroups, scan.procfs.ns);
  std::move(inference.placed.begin(), inference.placed.end(), std::back_inserter(scan.processes));
  inferred_namespaces_ = std::move(inference.namespaces);
  inferred_ = unreadable - scan.unplaced.size();
  for (const Process& p : scan.unplaced) {
    scan.inaccessible.push_back(p.pid);
    unseen_depths_.push_back(static_cast<int>(p.status.nstgid.size()) - 1);
  }
  // Processes whose status could not be read or parsed, or that hidepid= leaves out of the
  // listing, could be at any depth.
  unseen_anywhere_ = scan.inaccessible.size() > scan.unplaced.size() || !scan.malformed.empty() ||
                     scan.hidepid == HidePid::kInvisible || scan.hidepid == HidePid::kPtraceable;
}

// Every namespace the kernel told about, with its parent and what else was asked.
void NamespaceGraph::add_namespaces(Scan& scan) {
  for (auto& [id, info] : scan.namespaces) {
    NsNode& n = node(id);
    n.parent = info.parent;
    n.unique_id = info.unique_id;
    n.owner = info.owner;
    n.container = std::move(info.container);
    n.pins = std::move(info.pins);
    if (info.parent) node(*info.parent);
  }
  // A namespace inferred from status files is labelled by its init's cgroup.
  for (const InferredNs& inferred : inferred_namespaces_) {
    NsNode& n = node(inferred.id);
    n.parent = inferred.parent;
    auto label = scan.unplaced_labels.find(inferred.init);
    if (label != scan.unplaced_labels.end()) n.container = std::move(label->second);
  }
}

// One vector of every process, grouped by namespace and sorted by PID within it; each node views
// its own run. Processes are held once, not once in the scan and again per namespace.
void NamespaceGraph::add_processes(std::vector<Process> processes) {
  processes_ = std::move(processes);
  std::sort(processes_.begin(), processes_.end(), [](const Process& a, const Process& b) {
    return a.ns != b.ns ? a.ns < b.ns : a.pid < b.pid;
  });
  by_pid_.reserve(processes_.size());
  for (std::size_t begin = 0, end; begin < processes_.size(); begin = end) {
    NsNode& n = node(processes_[begin].ns);
    for (end = begin; end < processes_.size() && processes_[end].ns == n.id; ++end) {
      const Process& p = processes_[end];
      n.threads += p.status.threads;
      if (p.status.nstgid.back() == 1) n.init = p.pid;
      by_pid_.emplace_back(p.pid, end);
    }
    n.processes = std::span<const Process>(processes_.data() + begin, end - begin);
  }
  std::sort(by_pid_.begin(), by_pid_.end());
}

// Links each node to its parent's list of children, orders them, and checks that the links form
// a forest no deeper than the kernel allows. Returns the namespaces parents first.
std::vector<NsId> NamespaceGraph::link_children() {
  for (auto& [id, n] : nodes_) {
    if (n.parent) {
      node(*n.parent).children.push_back(id);
    } else {
      roots_.push_back(id);
    }
  }
  std::sort(roots_.begin(), roots_.end());
  std::vector<std::pair<NsId, int>> stack;  // (namespace, depth below its root)
  std::vector<NsId> preorder;
  for (const NsId& r : roots_) stack.emplace_back(r, 0);
  while (!stack.empty()) {
    auto [id, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxPidNsLevel) {
      throw std::runtime_error("PID namespaces nested deeper than the kernel's 32 levels");
    }
    preorder.push_back(id);
    NsNode& n = node(id);
    std::sort(n.children.begin(), n.children.end());
    for (const NsId& c : n.children) stack.emplace_back(c, depth + 1);
  }
  if (preorder.size() != nodes_.size()) {
    throw std::runtime_error("PID namespace parent links form a cycle");
  }
  return preorder;
}

// Levels. A member's NStgid says how far below the scanned procfs's namespace it lives; a
// namespace without members lies one level above its shallowest child. Then everything is
// shifted so that the outermost namespace seen (perhaps an ancestor of the procfs's own
// namespace, found through NS_GET_PARENT) is level 0. A namespace above the procfs's own has
// members that this procfs cannot show, and one at the depth of a process that could not be
// placed may have members unseen.
void NamespaceGraph::assign_levels(const std::vector<NsId>& preorder) {
  constexpr int kUnknown = INT_MIN;
  for (auto it = preorder.rbegin(); it != preorder.rend(); ++it) {  // children first
    NsNode& n = node(*it);
    n.level = kUnknown;
    if (!n.processes.empty()) {
      n.level = static_cast<int>(n.processes.front().status.nstgid.size()) - 1;
      continue;
    }
    for (const NsId& c : n.children) {
      int child = node(c).level;
      if (child != kUnknown && (n.level == kUnknown || child - 1 < n.level)) n.level = child - 1;
    }
  }
  int lowest = 0;
  for (const NsId& id : preorder) {  // parents first: fill what is still unknown
    NsNode& n = node(id);
    if (n.level == kUnknown) n.level = n.parent ? node(*n.parent).level + 1 : 0;
    lowest = std::min(lowest, n.level);
    n.all_members_seen =
        !unseen_anywhere_ && n.level >= 0 &&
        std::find(unseen_depths_.begin(), unseen_depths_.end(), n.level) == unseen_depths_.end();
  }
  for (auto& [id, n] : nodes_) n.level -= lowest;
}

// Inside a container reading its host's procfs, NS_GET_PARENT answers EPERM for every namespace
// outside the container's own, and the host's tree falls apart into a forest. procfs still tells
// where each piece belongs: a member whose parent process is one level up (placement.hpp) lives
// in a child of that process's namespace. Namespaces without members stay unknown.
void NamespaceGraph::infer_hidden_parents() {
  auto process_of = [this](pid_t pid) { return process(pid); };
  for (auto& [id, n] : nodes_) {
    if (n.parent || n.processes.empty()) continue;
    n.parent = parent_told_by_members(n.processes, process_of);
    n.parent_inferred = n.parent.has_value();
  }
}

}  // namespace pidns
