// placement: what NStgid depths say about PID namespaces.
#include "placement.hpp"

#include <algorithm>
#include <numeric>

namespace pidns {

ParentLink parent_link(const ProcStatus& child, const ProcStatus* parent) noexcept {
  if (parent == nullptr || parent->exiting || child.exiting) return ParentLink::kUnknown;
  std::size_t depth = child.nstgid.size();
  std::size_t parent_depth = parent->nstgid.size();
  if (depth == parent_depth) return ParentLink::kSameNamespace;
  if (depth == parent_depth + 1) return ParentLink::kChildNamespace;
  return ParentLink::kUnknown;
}

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

}  // namespace pidns
