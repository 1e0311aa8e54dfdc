// report: every line pidns-tree writes to stderr besides usage errors.
#include "output/report.hpp"

#include <fmt/format.h>

#include <ostream>

#include "output/term.hpp"

namespace pidns {

// Every line pidns-tree writes to stderr: messages carry paths and names from users.
void say(std::ostream& err, std::string_view message) {
  err << "pidns-tree: " << escape_for_terminal(message) << '\n';
}

// A write error is a failure, said once; a closed pipe has ended the run already (SIGPIPE).
bool flushed(std::ostream& out, std::ostream& err) {
  out.flush();
  if (out) return true;
  say(err, "error writing to standard output");
  return false;
}

// The summary of what was placed by inference and what could not be shown: one line, never one
// per process.
void report_unshown(const NamespaceGraph& graph, bool root, std::ostream& err) {
  auto pid_list = [](const std::vector<pid_t>& pids) {
    constexpr std::size_t kShown = 8;
    std::string list = fmt::format(
        "{}", fmt::join(pids.begin(), pids.begin() + std::min(pids.size(), kShown), ", "));
    if (pids.size() > kShown) list += ", ...";
    return fmt::format("PID{} {}", pids.size() == 1 ? "" : "s", list);
  };
  std::string inferred;
  if (std::size_t n = graph.inferred(); n > 0) {
    inferred = fmt::format(
        "{} process{} placed by inference from {} status (no ptrace rights to read {} ns/pid)", n,
        n == 1 ? "" : "es", n == 1 ? "its" : "their", n == 1 ? "its" : "their");
  }
  std::vector<std::string> why;
  if (!graph.inaccessible().empty()) {
    why.push_back(fmt::format("permission denied ({}){}", pid_list(graph.inaccessible()),
                              root ? "" : "; run as root to see more"));
  }
  if (!graph.malformed().empty()) {
    why.push_back(fmt::format("unparsable status ({})", pid_list(graph.malformed())));
  }
  if (why.empty()) {
    if (!inferred.empty()) say(err, inferred);
    return;
  }
  std::size_t n = graph.inaccessible().size() + graph.malformed().size();
  say(err, fmt::format("{}{}{} process{} not shown: {}", inferred, inferred.empty() ? "" : "; ", n,
                       n == 1 ? "" : "es", fmt::join(why, "; ")));
}

// Inside a container over its host's procfs the kernel hides parents (NS_GET_PARENT: EPERM);
// say so rather than let a forest pass for the whole truth.
void report_forest(const NamespaceGraph& graph, std::ostream& err) {
  if (graph.roots().size() < 2) return;
  say(err, fmt::format("{} separate trees: the kernel does not name the parents of namespaces "
                       "outside pidns-tree's own (NS_GET_PARENT: EPERM), and procfs did not tell "
                       "where they belong",
                       graph.roots().size()));
}

// What stderr says after the output: processes not shown, procfs options that hide processes,
// bind mounts --all could not open, names not looked up, what the command-line names resolved
// to, a forest.
void report(const NamespaceGraph& graph, const ScanNotes& notes, bool root, bool whole_forest,
            std::ostream& err) {
  for (const std::string& note : notes.resolved) say(err, note);
  report_unshown(graph, root, err);
  HidePid hidepid = graph.hidepid();
  if (!root && (hidepid == HidePid::kInvisible || hidepid == HidePid::kPtraceable)) {
    say(err, fmt::format("{} is mounted with hidepid={}: it does not list the processes of other "
                         "users, so they are missing from this tree; run as root to see them",
                         graph.proc_root(),
                         hidepid == HidePid::kInvisible ? "invisible" : "ptraceable"));
  }
  const std::vector<UnreachableMount>& unreachable = notes.unreachable;
  if (!unreachable.empty()) {
    std::vector<std::string> each;
    for (const UnreachableMount& m : unreachable) {
      each.push_back(fmt::format("pid:[{}] at {} (PID {})", m.ino, m.mountpoint, m.pid));
    }
    say(err, fmt::format("{} PID namespace bind mount{} could not be opened by {} path (covered "
                         "by a later mount, or the path leads elsewhere now): {}",
                         unreachable.size(), unreachable.size() == 1 ? "" : "s",
                         unreachable.size() == 1 ? "its" : "their", fmt::join(each, ", ")));
  }
  if (notes.names_skipped) {
    say(err, fmt::format("no container names: {} is not the procfs of pidns-tree's own PID "
                         "namespace, so / need not be that host's root; pass the host's root "
                         "directory with --host-root (e.g. --host-root /host)",
                         graph.proc_root()));
  }
  if (whole_forest) report_forest(graph, err);
}

}  // namespace pidns
