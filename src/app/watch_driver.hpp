// watch_driver: --watch on the real kernel. Chooses the event source (the proc connector, or
// rescans every interval), runs until a signal, prints each event as it happens.
#pragma once

#include <iosfwd>

#include "app/plan.hpp"
#include "model/scan.hpp"

namespace pidns {

/// Runs --watch: one Exists event per namespace, then Created, Gone and Resync events until
/// SIGINT or SIGTERM (kOk; also while a write to a reader that stopped reading blocks), until
/// stdout is closed (kOk, quietly; SIGPIPE is ignored meanwhile), or until every --ns namespace
/// is gone (kOk). Failures print one line on `err` and give kFailure. Says on `err`, once,
/// which event source it uses and what that cannot see.
///
/// The proc connector is used when pidns-tree runs in the initial user and PID namespaces (the
/// kernel ignores subscriptions from anywhere else), with CAP_NET_ADMIN, on /proc. The
/// environment variable PIDNS_TREE_WATCH_RCVBUF sets its receive buffer in bytes (default 4 MiB),
/// a diagnostic to make event loss, and so Resync, happen.
[[nodiscard]] int run_watch(const WatchPlan& plan, NsSource& source, std::ostream& out,
                            std::ostream& err);

}  // namespace pidns
