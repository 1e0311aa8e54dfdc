// plan: the command line resolved, once, into what each driver needs: what the scan collects,
// which part of the forest is shown and how, or what --watch follows and how it prints. Pure.
// (ripgrep's low-level flags turned into high-level arguments, crates/core/flags/hiargs.rs.)
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/cli.hpp"
#include "app/environment.hpp"
#include "model/resolve.hpp"
#include "model/scan.hpp"
#include "output/render.hpp"
#include "watch/event_lines.hpp"

namespace pidns {

/// One snapshot: scan, build, select, print.
struct SnapshotPlan {
  ScanRequest request;  ///< what the scan collects, and nothing more
  Format format = Format::Text;
  RenderOptions render;            ///< all but the owners' user names, looked up after the scan
  std::vector<pid_t> pids;         ///< --pid: the branches to these processes
  std::vector<NsName> namespaces;  ///< --ns: these subtrees
  std::optional<int> max_depth;
  std::optional<pid_t> translate;  ///< --translate PID ...
  std::optional<NsOrPid> to;       ///< ... --to NS|PID
  /// --proc was given: say whose procfs was read even where it is pidns-tree's own namespace's.
  bool proc_given = false;
  bool root = false;  ///< stderr's advice depends on it
  /// --output: the file the output replaces whole (through a temporary beside it), not stdout.
  std::optional<std::string> output;
  /// Neither --pid nor --ns: the whole forest is shown, and a forest of several trees is news.
  [[nodiscard]] bool whole_forest() const { return pids.empty() && namespaces.empty(); }
};

/// --watch: one snapshot, then events.
struct WatchPlan {
  ScanRequest request;  ///< of every rescan
  ScanRequest first;    ///< of the first scan: `request`, and the paths --ns names opened
  std::string proc_root;
  WatchFormat format;
  std::vector<NsName> scope;  ///< --ns: these subtrees only
  double interval = 1.0;      ///< seconds between rescans without the proc connector
  bool root = false;
};

using Plan = std::variant<SnapshotPlan, WatchPlan>;

/// What `options` ask for, in this environment.
[[nodiscard]] Plan plan_for(const Options& options, const TermEnv& env);

}  // namespace pidns
