// inference: placing what the kernel would not name.
#include "model/inference.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace pidns {

namespace {

// Disjoint sets over indices, for processes joined by same-depth parent links.
class Components {
 public:
  explicit Components(std::size_t n) : up_(n) { std::iota(up_.begin(), up_.end(), 0); }
  std::size_t root(std::size_t i) {
    while (up_[i] != i) i = up_[i] = up_[up_[i]];
    return i;
  }
  // The root stays the lower index: the lower PID, since both lists are merged in PID order.
  void join(std::size_t a, std::size_t b) {
    a = root(a), b = root(b);
    if (a != b) up_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<std::size_t> up_;
};

}  // namespace

std::vector<Process> place_by_kin(const std::vector<Process>& placed,
                                  std::vector<Process>& unplaced) {
  if (unplaced.empty()) return {};
  // Both lists merged by PID: (pid, process, placed?).
  struct Entry {
    pid_t pid;
    const Process* process;
    bool placed;
  };
  std::vector<Entry> all;
  all.reserve(placed.size() + unplaced.size());
  for (const Process& p : placed) all.push_back({p.pid, &p, true});
  for (const Process& p : unplaced) all.push_back({p.pid, &p, false});
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) { return a.pid < b.pid; });
  auto index_of = [&all](pid_t pid) -> std::optional<std::size_t> {
    auto it = std::lower_bound(all.begin(), all.end(), pid,
                               [](const Entry& e, pid_t wanted) { return e.pid < wanted; });
    if (it == all.end() || it->pid != pid) return std::nullopt;
    return static_cast<std::size_t>(it - all.begin());
  };

  Components components(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::optional<std::size_t> parent = index_of(all[i].process->status.ppid);
    if (parent && parent_link(all[i].process->status, &all[*parent].process->status) ==
                      ParentLink::kSameNamespace) {
      components.join(i, *parent);
    }
  }
  // Each component's namespace: that of its placed member with the lowest PID.
  std::vector<const NsId*> component_ns(all.size(), nullptr);
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::size_t r = components.root(i);
    if (all[i].placed && component_ns[r] == nullptr) component_ns[r] = &all[i].process->ns;
  }
  std::vector<Process> now_placed;
  std::vector<Process> still;
  for (Process& p : unplaced) {
    const NsId* ns = component_ns[components.root(*index_of(p.pid))];
    if (ns == nullptr) {
      still.push_back(std::move(p));
    } else {
      p.ns = *ns;
      now_placed.push_back(std::move(p));
    }
  }
  unplaced = std::move(still);
  return now_placed;
}

namespace {

// The rules of infer_namespaces(), over one scan's processes.
class Inferrer {
  using Group = std::vector<std::size_t>;  // unplaced processes joined by same-depth links

 public:
  Inferrer(const std::vector<Process>& placed, std::vector<Process>& unplaced,
           const std::unordered_map<NsId, std::optional<NsId>, NsIdHash>& parents,
           const std::unordered_map<pid_t, std::string>& cgroups,
           const std::optional<NsId>& procfs_ns)
      : unplaced_(unplaced), parents_(parents), cgroups_(cgroups), procfs_ns_(procfs_ns) {
    for (const Process& p : placed) index(p, p.ns);
    for (const Process& p : unplaced) index(p, std::nullopt);
    for (const auto& [ns, up] : parents_) {
      if (up) parent_of_.emplace(ns, up);
    }
    for (const Process& p : placed) learn_namespace(p);
  }

  Inference run() {
    std::vector<Group> groups = components();
    // The kernel's own word first, in any order: a member whose child process it placed one level
    // down, in a namespace it named, lives in that namespace's parent.
    for (const Group& group : groups) {
      if (std::optional<NsId> ns = named_by_kids(group)) assign(group, *ns);
    }
    // Then depth by depth, the shallowest first, so that parents are placed before children;
    // within a depth, inits first, so that the namespaces they make are candidates for the rest.
    std::stable_sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
      return std::pair{depth(a.front()), !has_init(a)} < std::pair{depth(b.front()), !has_init(b)};
    });
    for (std::size_t begin = 0, end; begin < groups.size(); begin = end) {
      for (end = begin;
           end < groups.size() && depth(groups[end].front()) == depth(groups[begin].front());
           ++end) {
      }
      place_depth(std::span<const Group>(groups.data() + begin, end - begin));
    }
    return collect();
  }

 private:
  void index(const Process& p, std::optional<NsId> ns) {
    status_[p.pid] = &p.status;
    children_[p.status.ppid].push_back(p.pid);
    if (!ns) return;
    ns_of_[p.pid] = *ns;
    members_of_[*ns].push_back(p.pid);
  }

  std::size_t depth(std::size_t i) const { return unplaced_[i].status.nstgid.size(); }
  bool is_init(std::size_t i) const { return unplaced_[i].status.nstgid.back() == 1; }
  bool has_init(const Group& group) const {
    return std::any_of(group.begin(), group.end(), [&](std::size_t i) { return is_init(i); });
  }

  // What each placed process tells of its namespace: its depth and init, and, where the kernel
  // did not name the parent, the parent that its parent process one level up tells.
  void learn_namespace(const Process& p) {
    learn_namespace_depth(p.ns, p);
    if (p.status.nstgid.back() == 1) init_of_.emplace(p.ns, p.pid);
    if (parent_of_.contains(p.ns)) return;
    if (std::optional<NsId> up = parent_namespace(p)) parent_of_[p.ns] = *up;
  }
  void learn_namespace_depth(const NsId& ns, const Process& p) {
    depth_of_.emplace(ns, p.status.nstgid.size());
  }

  // Unplaced processes joined by same-depth parent links, each group by index into unplaced_.
  std::vector<Group> components() const {
    std::unordered_map<pid_t, std::size_t> at;
    for (std::size_t i = 0; i < unplaced_.size(); ++i) at.emplace(unplaced_[i].pid, i);
    Components joined(unplaced_.size());
    for (std::size_t i = 0; i < unplaced_.size(); ++i) {
      auto parent = at.find(unplaced_[i].status.ppid);
      if (parent != at.end() &&
          parent_link(unplaced_[i].status, &unplaced_[parent->second].status) ==
              ParentLink::kSameNamespace) {
        joined.join(i, parent->second);
      }
    }
    std::unordered_map<std::size_t, std::vector<std::size_t>> by_root;
    for (std::size_t i = 0; i < unplaced_.size(); ++i) by_root[joined.root(i)].push_back(i);
    std::vector<Group> groups;
    for (auto& [r, members] : by_root) groups.push_back(std::move(members));
    std::sort(groups.begin(), groups.end());  // by lowest index, i.e. PID: deterministic
    return groups;
  }

  bool placed(const Group& group) const { return ns_of_.contains(unplaced_[group.front()].pid); }

  void assign(const Group& group, const NsId& ns) {
    for (std::size_t i : group) {
      const Process& p = unplaced_[i];
      ns_of_[p.pid] = ns;
      members_of_[ns].push_back(p.pid);
      learn_namespace_depth(ns, p);
      if (p.status.nstgid.back() == 1) init_of_.emplace(ns, p.pid);
    }
  }

  // The groups of one depth: inits first (attach_inits()), then the rest (visitors). At the
  // scanned procfs's own depth every process is in the procfs's namespace: the one the scan
  // knew, else the one whose PID 1 is there (whose other groups are kthreadd's and the like).
  void place_depth(std::span<const Group> level) {
    bool top = depth(level.front().front()) == 1;
    std::vector<const Group*> inits;
    for (const Group& group : level) {
      if (!placed(group) && has_init(group) && !(top && procfs_ns_)) inits.push_back(&group);
    }
    attach_inits(inits);
    std::optional<NsId> procfs_ns = procfs_ns_;
    for (const Group* group : inits) {
      if (top && !procfs_ns) procfs_ns = ns_of_.at(unplaced_[group->front()].pid);
    }
    for (const Group& group : level) {
      if (placed(group)) continue;
      std::optional<NsId> ns = top ? procfs_ns : namespace_of_visitor(group);
      if (ns) assign(group, *ns);
    }
  }

  // The namespace of a process's parent process when it lies one level up: the parent of the
  // process's namespace.
  std::optional<NsId> parent_namespace(const Process& p) const {
    auto parent = status_.find(p.status.ppid);
    auto ns = ns_of_.find(p.status.ppid);
    if (parent == status_.end() || ns == ns_of_.end() ||
        parent_link(p.status, parent->second) != ParentLink::kChildNamespace) {
      return std::nullopt;
    }
    return ns->second;
  }

  // Groups holding a PID 1 at one depth, each a namespace of its own. One is a namespace the kernel
  // named whose init was not read (a candidate) only on evidence that tells it from the others:
  // it is the only group and the only candidate under their parent namespace, or its init's
  // cgroup is that of the candidate's members and of no other candidate's, and no other init's is.
  // Otherwise it is inferred, apart.
  void attach_inits(const std::vector<const Group*>& inits) {
    std::map<std::optional<NsId>, std::vector<const Group*>> by_parent;
    for (const Group* group : inits) {
      by_parent[parent_namespace(unplaced_[init_of(*group)])].push_back(group);
    }
    for (const auto& [parent, groups] : by_parent) {
      std::size_t d = depth(groups.front()->front());
      std::vector<NsId> candidates = named_without_init(parent, d);
      std::vector<std::optional<NsId>> chosen(groups.size());
      if (groups.size() == 1 && candidates.size() == 1) {
        chosen[0] = candidates.front();
      } else {
        match_by_cgroup(groups, candidates, chosen);
      }
      for (std::size_t k = 0; k < groups.size(); ++k) {
        assign(*groups[k], chosen[k] ? *chosen[k] : infer(unplaced_[init_of(*groups[k])], parent));
      }
    }
  }

  // A namespace of its own for an init that no named namespace is known to be.
  NsId infer(const Process& init, const std::optional<NsId>& parent) {
    NsId id = NsId::inferred(init.pid);
    inferred_.push_back({id, parent, init.pid});
    if (parent) parent_of_[id] = parent;
    return id;
  }

  std::size_t init_of(const Group& group) const {
    return *std::find_if(group.begin(), group.end(), [&](std::size_t i) { return is_init(i); });
  }

  // Pairs each group with the candidate whose members' cgroups hold its init's, where that
  // pairing is one to one.
  void match_by_cgroup(const std::vector<const Group*>& groups, const std::vector<NsId>& candidates,
                       std::vector<std::optional<NsId>>& chosen) const {
    std::vector<std::vector<std::size_t>> matches(groups.size());
    std::vector<std::size_t> taken(candidates.size(), 0);
    for (std::size_t k = 0; k < groups.size(); ++k) {
      auto cgroup = cgroups_.find(unplaced_[init_of(*groups[k])].pid);
      if (cgroup == cgroups_.end()) continue;
      for (std::size_t c = 0; c < candidates.size(); ++c) {
        if (!members_in_cgroup(candidates[c], cgroup->second)) continue;
        matches[k].push_back(c);
        ++taken[c];
      }
    }
    for (std::size_t k = 0; k < groups.size(); ++k) {
      if (matches[k].size() == 1 && taken[matches[k].front()] == 1) {
        chosen[k] = candidates[matches[k].front()];
      }
    }
  }

  bool members_in_cgroup(const NsId& ns, const std::string& cgroup) const {
    auto members = members_of_.find(ns);
    if (members == members_of_.end()) return false;
    return std::any_of(members->second.begin(), members->second.end(), [&](pid_t pid) {
      auto it = cgroups_.find(pid);
      return it != cgroups_.end() && it->second == cgroup;
    });
  }

  // The kernel's word on a group: a member's child process that it placed one level down
  // (ParentLink::kChildNamespace), in a namespace it named, whose parent it named: the group lives
  // in that parent. Nothing where two such parents disagree, or where the group's PID 1 would be
  // a second init of a namespace whose init was read.
  std::optional<NsId> named_by_kids(const Group& group) const {
    std::optional<NsId> found;
    for (std::size_t i : group) {
      auto kids = children_.find(unplaced_[i].pid);
      if (kids == children_.end()) continue;
      for (pid_t kid : kids->second) {
        auto kid_ns = ns_of_.find(kid);
        if (kid_ns == ns_of_.end() || kid_ns->second.is_inferred() ||
            parent_link(*status_.at(kid), &unplaced_[i].status) != ParentLink::kChildNamespace) {
          continue;
        }
        auto named = parents_.find(kid_ns->second);
        if (named == parents_.end() || !named->second) continue;
        if (found && *found != *named->second) return std::nullopt;
        found = named->second;
      }
    }
    if (found && has_init(group) && init_of_.contains(*found)) return std::nullopt;
    return found;
  }

  // The namespaces the kernel named under `parent` whose members, at depth `d`, were placed but
  // whose init was not read: only members that may be inspected were (a `docker exec -u`), or
  // were placed on the kernel's word. One known only as a parent, or held only by a descriptor or
  // a mount (--all), may have no member at all: only the kernel's word puts a group in it.
  std::vector<NsId> named_without_init(const std::optional<NsId>& parent, std::size_t d) const {
    std::vector<NsId> found;
    for (const auto& [ns, members_depth] : depth_of_) {
      auto up = parent_of_.find(ns);
      if (ns.is_inferred() || members_depth != d || init_of_.contains(ns) ||
          (up == parent_of_.end() ? std::optional<NsId>() : up->second) != parent) {
        continue;
      }
      found.push_back(ns);
    }
    std::sort(found.begin(), found.end());
    return found;
  }

  // A group without an init joined an existing namespace (setns, then fork): the child namespace
  // of its parent process's namespace, if there is one at its depth, or the one whose init shares
  // its cgroup.
  std::optional<NsId> namespace_of_visitor(const Group& group) const {
    const Process& top = unplaced_[group.front()];
    std::optional<NsId> parent = parent_namespace(top);
    if (!parent) return std::nullopt;
    std::vector<NsId> candidates;
    for (const auto& [ns, up] : parent_of_) {
      auto members_depth = depth_of_.find(ns);
      if (up == parent &&
          (members_depth == depth_of_.end() || members_depth->second == depth(group.front()))) {
        candidates.push_back(ns);
      }
    }
    std::sort(candidates.begin(), candidates.end());
    if (candidates.size() == 1) return candidates.front();
    auto cgroup = cgroups_.find(top.pid);
    if (cgroup == cgroups_.end()) return std::nullopt;
    std::optional<NsId> match;
    for (const NsId& ns : candidates) {
      auto init = init_of_.find(ns);
      auto init_cgroup = init == init_of_.end() ? cgroups_.end() : cgroups_.find(init->second);
      if (init_cgroup == cgroups_.end() || init_cgroup->second != cgroup->second) continue;
      if (match) return std::nullopt;  // two alike: nothing follows
      match = ns;
    }
    return match;
  }

  Inference collect() {
    Inference out;
    std::vector<Process> still;
    for (Process& p : unplaced_) {
      auto ns = ns_of_.find(p.pid);
      if (ns == ns_of_.end()) {
        still.push_back(std::move(p));
      } else {
        p.ns = ns->second;
        out.placed.push_back(std::move(p));
      }
    }
    unplaced_ = std::move(still);
    out.namespaces = std::move(inferred_);
    return out;
  }

  std::vector<Process>& unplaced_;
  const std::unordered_map<NsId, std::optional<NsId>, NsIdHash>& parents_;
  const std::unordered_map<pid_t, std::string>& cgroups_;
  const std::optional<NsId>& procfs_ns_;
  std::unordered_map<pid_t, const ProcStatus*> status_;                // every process, by PID
  std::unordered_map<pid_t, std::vector<pid_t>> children_;             // by parent PID
  std::unordered_map<pid_t, NsId> ns_of_;                              // placed so far
  std::unordered_map<NsId, std::optional<NsId>, NsIdHash> parent_of_;  // namespaces with members
  std::unordered_map<NsId, std::size_t, NsIdHash> depth_of_;           // NStgid length of members
  std::unordered_map<NsId, pid_t, NsIdHash> init_of_;
  std::unordered_map<NsId, std::vector<pid_t>, NsIdHash> members_of_;  // placed so far
  std::vector<InferredNs> inferred_;
};

}  // namespace

Inference infer_namespaces(const std::vector<Process>& placed, std::vector<Process>& unplaced,
                           const std::unordered_map<NsId, std::optional<NsId>, NsIdHash>& parents,
                           const std::unordered_map<pid_t, std::string>& cgroups,
                           const std::optional<NsId>& procfs_ns) {
  if (unplaced.empty()) return {};
  return Inferrer(placed, unplaced, parents, cgroups, procfs_ns).run();
}

std::optional<NsId> parent_told_by_members(std::span<const Process> members,
                                           const std::function<const Process*(pid_t)>& process_of) {
  for (const Process& p : members) {
    const Process* parent = process_of(p.status.ppid);
    if (parent != nullptr &&
        parent_link(p.status, &parent->status) == ParentLink::kChildNamespace) {
      return parent->ns;
    }
  }
  return std::nullopt;
}

}  // namespace pidns
