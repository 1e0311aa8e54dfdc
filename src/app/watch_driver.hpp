// watch_run: --watch on the real kernel. Chooses the event source (the proc connector, or
// rescans every interval), runs until a signal, prints each event as it happens.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "model/scan.hpp"

namespace pidns {

/// What --watch needs of the command line.
struct WatchOptions {
  std::string proc_root = "/proc";
  bool json = false;                    ///< JSON Lines instead of text
  bool color = false;                   ///< text: color on labels
  bool labels = true;                   ///< text: container labels (JSON always has them)
  bool unique_id = false;               ///< text: namespace ids (--ns-id)
  std::vector<std::string> namespaces;  ///< --ns: inode, pid:[inode] or an nsfs path
  double interval = 1.0;                ///< seconds between rescans without the connector
  /// Where container names are read (ScanRequest::host_root; empty: no names), and whether that
  /// is only the default.
  std::string host_root;
  bool host_root_default = false;
};

/// Runs --watch: one Exists event per namespace, then Created, Gone and Resync events until
/// SIGINT or SIGTERM (kOk), until stdout is closed (kOk, quietly), or until every --ns namespace
/// is gone (kOk). Failures print one line on `err` and give kFailure. Says on `err`, once,
/// which event source it uses and what that cannot see.
///
/// The proc connector is used when pidns-tree runs in the initial user and PID namespaces (the
/// kernel ignores subscriptions from anywhere else), with CAP_NET_ADMIN, on /proc. The
/// environment variable PIDNS_TREE_WATCH_RCVBUF sets its receive buffer in bytes (default 4 MiB),
/// a diagnostic to make event loss, and so Resync, happen.
[[nodiscard]] int run_watch(const WatchOptions& options, NsSource& source, std::ostream& out,
                            std::ostream& err);

}  // namespace pidns
