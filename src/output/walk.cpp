// walk: the one traversal of a View that every renderer shares.
#include "output/walk.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace pidns {
namespace {

// Stands for the summary of kernel threads among the process rows.
constexpr std::size_t kSummaryRow = SIZE_MAX;

class Walker {
 public:
  Walker(const NamespaceGraph& graph, const View& view, const WalkOptions& options,
         Visitor& visitor)
      : graph_(graph), view_(view), options_(options), visitor_(visitor) {}

  void run() {
    for (std::size_t i = 0; i < view_.tops.size(); ++i) {
      namespace_row(graph_.at(view_.tops[i]),
                    Place{.top = true, .last = i + 1 == view_.tops.size(), .depth = 0});
    }
  }

 private:
  void namespace_row(const NsNode& ns, const Place& at) {
    visitor_.enter_namespace(ns, at);
    std::vector<NsId> children = view_.shown_children(ns);
    bool cut = view_.cuts_below(at.depth) && !children.empty();
    if (options_.processes && view_.shows_processes(ns.id)) {
      member_rows(ns, /*rows_after=*/cut ? 1 : children.size());
    }
    if (cut) {
      auto [namespaces, processes] = count_cut(graph_, view_, ns.id);
      visitor_.cut(ns, namespaces, processes, Place{.last = true, .depth = at.depth + 1});
    }
    visitor_.begin_children(ns);
    for (std::size_t i = 0; !cut && i < children.size(); ++i) {
      namespace_row(graph_.at(children[i]),
                    Place{.last = i + 1 == children.size(), .depth = at.depth + 1});
    }
    visitor_.end_children(ns);
    visitor_.leave_namespace(ns);
  }

  // The process rows of `ns`: every member, but for kernel threads, which are summed up in one
  // row unless asked for (or selected with --pid). The summary comes after the processes, or,
  // with --ptree, where the first of the left-out subtrees (kthreadd's) would be.
  void member_rows(const NsNode& ns, std::size_t rows_after) {
    std::vector<bool> listed(ns.processes.size(), true);
    std::size_t left_out = 0;
    for (std::size_t i = 0; i < ns.processes.size(); ++i) {
      const Process& p = ns.processes[i];
      listed[i] =
          options_.kernel_threads || !p.status.kernel_thread || view_.marked.contains(p.pid);
      left_out += listed[i] ? 0 : 1;
    }
    ProcessForest forest;
    if (options_.ptree) {
      forest = process_forest(ns.processes, listed);
    } else {
      forest.children.resize(ns.processes.size());
      for (std::size_t i = 0; i < ns.processes.size(); ++i) {
        if (listed[i]) forest.roots.push_back(i);
      }
    }
    std::vector<std::size_t> rows = forest.roots;
    if (left_out > 0) rows.insert(rows.begin() + summary_position(ns, listed, rows), kSummaryRow);

    visitor_.begin_processes(ns);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      Place at{.last = r + 1 == rows.size() && rows_after == 0};
      if (rows[r] == kSummaryRow) {
        visitor_.kernel_threads(ns, left_out, at);
      } else {
        process_row(ns, forest, rows[r], at);
      }
    }
    visitor_.end_processes(ns);
  }

  // Where among the root rows the summary goes: at the end of a flat list; in a process tree,
  // before the first root whose PID is above that of the first kernel thread left out whose
  // parent is not one too (kthreadd).
  std::size_t summary_position(const NsNode& ns, const std::vector<bool>& listed,
                               const std::vector<std::size_t>& roots) const {
    if (!options_.ptree) return roots.size();
    std::unordered_map<pid_t, std::size_t> left_out;
    for (std::size_t i = 0; i < ns.processes.size(); ++i) {
      if (!listed[i]) left_out.emplace(ns.processes[i].pid, i);
    }
    pid_t first = 0;
    for (std::size_t i = 0; i < ns.processes.size() && first == 0; ++i) {
      if (!listed[i] && !left_out.contains(ns.processes[i].status.ppid)) {
        first = ns.processes[i].pid;
      }
    }
    auto after = std::find_if(roots.begin(), roots.end(),
                              [&](std::size_t r) { return ns.processes[r].pid > first; });
    return static_cast<std::size_t>(after - roots.begin());
  }

  // A process row and, with --ptree, the rows of its descendants. Iterative: a chain of
  // processes, each the child of the one before, is as long as any user makes it, and one stack
  // frame per process would let a user's fork chain overflow the stack of a root run.
  void process_row(const NsNode& ns, const ProcessForest& forest, std::size_t index,
                   const Place& at) {
    struct Open {
      std::size_t index;
      std::size_t next = 0;  // its child to enter next
    };
    std::vector<Open> open;
    visitor_.enter_process(ns, ns.processes[index], at);
    open.push_back({index});
    while (!open.empty()) {
      Open& top = open.back();
      const std::vector<std::size_t>& kids = forest.children[top.index];
      if (top.next == kids.size()) {
        visitor_.leave_process(ns, ns.processes[top.index]);
        open.pop_back();
        continue;
      }
      std::size_t child = kids[top.next++];
      visitor_.enter_process(ns, ns.processes[child], Place{.last = top.next == kids.size()});
      open.push_back({child});  // `top` is not used after this: it may move
    }
  }

  const NamespaceGraph& graph_;
  const View& view_;
  const WalkOptions& options_;
  Visitor& visitor_;
};

}  // namespace

void walk(const NamespaceGraph& graph, const View& view, const WalkOptions& options,
          Visitor& visitor) {
  Walker(graph, view, options, visitor).run();
}

ProcessForest process_forest(std::span<const Process> members, const std::vector<bool>& listed) {
  ProcessForest forest;
  forest.children.resize(members.size());
  std::unordered_map<pid_t, std::size_t> index;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (listed[i]) index.emplace(members[i].pid, i);
  }
  // Members are sorted by PID, so every child list comes out sorted too.
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (!listed[i]) continue;
    auto parent = index.find(members[i].status.ppid);
    if (parent == index.end() || parent->second == i) {
      forest.roots.push_back(i);
    } else {
      forest.children[parent->second].push_back(i);
    }
  }
  // PPid links cannot loop in the kernel, but a PID reused mid-scan can make them: cut each loop
  // where it is found, so that every listed member is drawn exactly once.
  std::vector<bool> reached(members.size(), false);
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
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (!listed[i] || reached[i]) continue;
    std::vector<std::size_t>& siblings = forest.children[index.at(members[i].status.ppid)];
    std::erase(siblings, i);
    forest.roots.push_back(i);
    reach(i);
  }
  std::sort(forest.roots.begin(), forest.roots.end());
  return forest;
}

}  // namespace pidns
