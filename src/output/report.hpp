// report: every line pidns-tree writes to stderr besides usage errors: one line per kind of
// news, never one per process, and every message escaped like a process name.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "model/graph.hpp"
#include "model/scan.hpp"

namespace pidns {

/// "pidns-tree: MESSAGE", escaped: messages carry paths and names from users.
void say(std::ostream& err, std::string_view message);

/// Flushes `out`; a write error is a failure, said once (a closed pipe has ended the run already,
/// by SIGPIPE). Returns whether everything was written.
[[nodiscard]] bool flushed(std::ostream& out, std::ostream& err);

/// How many processes were placed by inference, and which could not be shown and why.
void report_unshown(const NamespaceGraph& graph, bool root, std::ostream& err);

/// A forest of several trees, where the kernel hid parents (NS_GET_PARENT: EPERM).
void report_forest(const NamespaceGraph& graph, std::ostream& err);

/// What a scan and the command line's names found that only stderr tells.
struct ScanNotes {
  std::vector<std::string> resolved;          ///< Resolver::notes()
  std::vector<UnreachableMount> unreachable;  ///< --all bind mounts out of reach
  bool names_skipped = false;                 ///< Scan::names_skipped
};

/// Everything after the output: processes not shown, procfs options that hide processes, bind
/// mounts --all could not open, names not looked up, what the command line's names resolved to,
/// and (for the whole forest) a forest.
void report(const NamespaceGraph& graph, const ScanNotes& notes, bool root, bool whole_forest,
            std::ostream& err);

}  // namespace pidns
