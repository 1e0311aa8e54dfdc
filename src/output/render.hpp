// output/: everything pidns-tree prints. The one walk (walk) and its visitors (render_text,
// render_json, render_dot), the JSON writer and the objects every JSON output shares
// (json_writer, json_fields), escaping of untrusted text and colours (term, utf8), and every
// stderr line (report). Pure. Includes kernel/, names/ and model/; never scan/.
//
// render: a NamespaceGraph and a View in, bytes out: text (render_text.cpp), JSON
// (render_json.cpp), Graphviz DOT (render_dot.cpp) and OpenMetrics (render_openmetrics.cpp), each
// a visitor of the one walk (walk.hpp); render.cpp holds what they say alike.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/graph.hpp"
#include "model/view.hpp"
#include "output/walk.hpp"

namespace pidns {

/// Takes rendered output on: called at line and object boundaries with everything rendered and
/// not yet taken; it may write some or all of it out and erase that part from the string.
using Spill = std::function<void(std::string& rendered)>;

/// The syntaxes a snapshot can be printed in.
enum class Format { Text, Json, Dot, OpenMetrics };

/// How the tree is drawn; decided once, by the command line's plan (app/plan.hpp).
struct RenderOptions {
  /// What the walk lists: members (not with --no-pids), as a process tree (--ptree), kernel
  /// threads one by one (--kernel-threads; JSON always lists them).
  WalkOptions walk{};
  bool unicode = true;         ///< box-drawing glyphs; ASCII otherwise
  bool color = false;          ///< ANSI color on labels (text only)
  bool owner = false;          ///< text: the owning user namespace and its UID (--owner)
  bool unique_id = false;      ///< text: the 64-bit namespace id (--ns-id)
  bool labels = true;          ///< text, DOT, OpenMetrics: container labels (--no-labels: none)
  bool procfs_header = false;  ///< text: first say whose procfs was scanned (with --proc)
  std::unordered_map<uid_t, std::string> user_names{};  ///< resolved owner UIDs
  /// OpenMetrics: how long the scan took (pidns_scan_duration_seconds), measured by the snapshot
  /// driver, and the version pidns_build_info gives; the renderer only prints them.
  double scan_seconds = 0;
  std::string version{};
  /// Where output goes as it is rendered; empty: it all stays in the string. Rendering cannot
  /// fail, so spilling keeps the promise of a whole document or none.
  Spill spill{};
};

/// `graph` and `view` in `format`, appended to `out`.
void render(Format format, const NamespaceGraph& graph, const View& view,
            const RenderOptions& options, std::string& out);

/// The indented tree, appended to `out`. Names are escaped with escape_for_terminal().
void render_text(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                 std::string& out);

/// One JSON document (see man/pidns-tree.1 and doc/pidns-tree.schema.json), appended
/// to `out`. Never throws on names that are not UTF-8: their bad bytes become U+FFFD.
void render_json(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                 std::string& out);

/// The answer of --translate as JSON: {"pid", "ns": {dev, ino, label}, "translated": PID|null}.
void render_translation_json(pid_t pid, const NsId& target, std::optional<pid_t> translated,
                             std::string& out);

/// A Graphviz digraph: namespaces as boxes with their counts, processes as ellipses unless
/// options.walk.processes is off.
void render_dot(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                std::string& out);

/// OpenMetrics text 1.0 (application/openmetrics-text; version=1.0.0), ending in "# EOF": gauges
/// of the whole scan, then one sample per namespace of the view in each per-namespace family
/// (see man/pidns-tree.1). Without its last line it is Prometheus text 0.0.4, which
/// node-exporter's textfile collector reads. Never lists processes.
void render_openmetrics(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                        std::string& out);

/// `text` as an OpenMetrics (and Prometheus text) label value, without its quotes: backslash,
/// double quote and newline escaped as the formats require, and bytes that are not UTF-8
/// replaced by U+FFFD, as the JSON output replaces them.
[[nodiscard]] std::string openmetrics_label_value(std::string_view text);

/// "fd 5 of PID 812", "mount at /run/x (PID 1)", "pid_for_children of PID 77". Not escaped.
[[nodiscard]] std::string pin_text(const Pin& pin);

/// "s" for a count other than one: "3 threads", "1 thread".
[[nodiscard]] inline const char* plural(std::size_t n) { return n == 1 ? "" : "s"; }

/// What holds a namespace, "fd 5 of PID 812 and mount at /x (PID 1)", or "" (a member's own
/// "children in pid:[X]" already says it of a namespace with members). Not escaped.
[[nodiscard]] std::string held_by_text(const NsNode& ns);

/// "owner uid 1000 (alice) of user:[4026531837]", or "owner not visible". Not escaped.
[[nodiscard]] std::string owner_text(const NsNode& ns,
                                     const std::unordered_map<uid_t, std::string>& user_names);

}  // namespace pidns
