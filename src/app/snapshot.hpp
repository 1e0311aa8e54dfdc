// snapshot: the default run. Scans, builds the forest, selects, prints, reports.
#pragma once

#include <sys/types.h>

#include <functional>
#include <iosfwd>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "app/plan.hpp"
#include "model/scan.hpp"

namespace pidns {

/// Names for user IDs (for --owner and JSON's owner.user); main() passes user_names_below().
using UserNames =
    std::function<std::unordered_map<uid_t, std::string>(const std::unordered_set<uid_t>&)>;

/// Names from `root`/etc/passwd (--host-root, else "/"): the host's users, not the container's
/// pidns-tree may run in, and never through NSS (names/state_files.hpp: passwd_names()).
[[nodiscard]] UserNames user_names_below(std::string root);

/// Runs one snapshot; returns the exit status. Output is written whole or not at all: nothing
/// reaches `out` before the scan, the graph and the view have all succeeded. With plan.output
/// it goes to that file instead, which is replaced only once all of it is written
/// (app/output_file.hpp).
[[nodiscard]] int run_snapshot(const SnapshotPlan& plan, NsSource& source, std::ostream& out,
                               std::ostream& err, const UserNames& user_names);

}  // namespace pidns
