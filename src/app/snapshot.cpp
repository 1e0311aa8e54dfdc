// snapshot: scan, build, select, print, report.
#include "app/snapshot.hpp"

#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <stdexcept>

#include "app/exit_status.hpp"
#include "app/output_file.hpp"
#include "kernel/host_files.hpp"
#include "model/graph.hpp"
#include "model/resolve.hpp"
#include "model/translate.hpp"
#include "model/view.hpp"
#include "names/state_files.hpp"
#include "output/render.hpp"
#include "output/report.hpp"

namespace pidns {
namespace {

std::unordered_set<uid_t> owner_uids(const NamespaceGraph& graph) {
  std::unordered_set<uid_t> uids;
  for (const auto& [id, n] : graph.nodes()) {
    if (n.owner) uids.insert(n.owner->uid);
  }
  return uids;
}

View view_for(const SnapshotPlan& plan, const NamespaceGraph& graph, Resolver& resolver) {
  if (!plan.pids.empty()) {
    std::vector<const Process*> selected;
    for (pid_t pid : plan.pids) selected.push_back(&resolver.process(pid));
    return pid_view(graph, selected, plan.max_depth);
  }
  if (plan.namespaces.empty()) return whole_view(graph, plan.max_depth);
  std::vector<NsId> ids;
  for (const NsName& n : plan.namespaces) ids.push_back(resolver.ns(n));
  return ns_view(graph, ids, plan.max_depth);
}

// Whose procfs this is goes without saying only for /proc of our own namespace.
bool procfs_header(const SnapshotPlan& plan, const NamespaceGraph& graph) {
  ProcfsView::Relation relation = graph.procfs().relation;
  return plan.proc_given ||
         (relation != ProcfsView::Relation::Same && relation != ProcfsView::Relation::Unknown);
}

// Output goes out in pieces of about 64 KiB as it is rendered, so that a document for a large host
// is never held whole; rendering cannot fail, so this keeps the promise of a whole document or
// none.
Spill spill_to(std::ostream& out) {
  return [&out](std::string& rendered) {
    constexpr std::size_t kSpillSize = 64 * 1024;
    if (rendered.size() < kSpillSize) return;
    out.write(rendered.data(), static_cast<std::streamsize>(rendered.size()));
    rendered.clear();
  };
}

// --translate PID --to NS: the answer on `out`, and the exit status.
int print_translation(const SnapshotPlan& plan, const NamespaceGraph& graph, Resolver& resolver,
                      ScanNotes& notes, std::ostream& out, std::ostream& err) {
  pid_t pid = *plan.translate;
  const Process& p = resolver.process(pid);  // says so before judging --to
  NsId target = resolver.ns_or_pid(*plan.to);
  Translation t = translate(graph, p, resolver.task(pid), target);
  std::string text;
  if (plan.format == Format::Json) {
    render_translation_json(pid, target, t.pid, text);
  } else if (t.pid) {
    text = fmt::format("{}\n", *t.pid);
  }
  out << text;
  bool written = flushed(out, err);
  if (!t.pid) say(err, t.why_not);
  notes.resolved = resolver.notes();
  report(graph, notes, plan.root, plan.whole_forest(), err);
  return written && t.pid ? kOk : kFailure;
}

// Scan, build, select, print on `out`, report on `err`; returns the exit status.
int snapshot_to(const SnapshotPlan& plan, NsSource& source, std::ostream& out, std::ostream& err,
                const UserNames& user_names) {
  std::string text;
  NamespaceGraph graph;
  ScanNotes notes;
  RenderOptions render_options = plan.render;
  try {
    auto start = std::chrono::steady_clock::now();
    Scan scan = source.scan(plan.request);
    notes.unreachable = std::move(scan.unreachable_mounts);
    notes.names_skipped = scan.names_skipped;
    std::vector<NsId> named = std::move(scan.named);
    std::vector<Task> tasks = std::move(scan.tasks);
    graph = NamespaceGraph::build(std::move(scan));
    render_options.scan_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Resolver resolver(graph, plan.request.ns_paths, std::move(named), std::move(tasks));
    if (plan.translate) return print_translation(plan, graph, resolver, notes, out, err);
    if (plan.request.owners && user_names) {
      render_options.user_names = user_names(owner_uids(graph));
    }
    render_options.procfs_header = procfs_header(plan, graph);
    View view = view_for(plan, graph, resolver);
    notes.resolved = resolver.notes();
    render_options.spill = spill_to(out);
    render(plan.format, graph, view, render_options, text);
  } catch (const std::exception& e) {
    say(err, e.what());
    return kFailure;
  }
  // What is left of the document. Nothing reached stdout before the scan, the graph and the view
  // had all succeeded, so an error leaves stdout empty, never half a document.
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  bool written = flushed(out, err);
  report(graph, notes, plan.root, plan.whole_forest(), err);
  return written ? kOk : kFailure;
}

}  // namespace

UserNames user_names_below(std::string root) {
  return [root = std::move(root)](const std::unordered_set<uid_t>& uids) {
    std::unordered_map<uid_t, std::string> names;
    if (uids.empty()) return names;
    try {
      std::optional<std::string> passwd = HostRoot(root).read_file("/etc/passwd");
      if (passwd) names = passwd_names(*passwd, uids);
    } catch (const SysError&) {  // no such root: no names, as for a UID /etc/passwd lacks
    }
    return names;
  };
}

int run_snapshot(const SnapshotPlan& plan, NsSource& source, std::ostream& out, std::ostream& err,
                 const UserNames& user_names) {
  if (!plan.output) return snapshot_to(plan, source, out, err, user_names);
  // The temporary is made first: a directory that cannot take it fails the run before the scan.
  std::optional<OutputFile> file;
  try {
    file.emplace(*plan.output);
    int status = snapshot_to(plan, source, file->stream(), err, user_names);
    if (status != kOk) return status;  // the old FILE stays; the temporary goes
    file->commit();
  } catch (const std::exception& e) {  // SysError, or FILE is not a regular file
    say(err, fmt::format("--output {}: {}", *plan.output, e.what()));
    return kFailure;
  }
  return kOk;
}

}  // namespace pidns
