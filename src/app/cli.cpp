// cli: command-line options in, exit status out.
#include "app/cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <ostream>
#include <stdexcept>

#include "app/watch_driver.hpp"
#include "model/graph.hpp"
#include "model/resolve.hpp"
#include "model/view.hpp"
#include "output/render.hpp"
#include "output/report.hpp"
#include "version.hpp"

namespace pidns {
namespace {

constexpr const char* kFooter = R"(Examples:
  sudo pidns-tree                  every PID namespace and its processes
  pidns-tree -N                    namespaces only, with counts
  pidns-tree --pid 4242            the branch down to PID 4242's namespace
  pidns-tree --ns /run/x/pidns     the subtree of a namespace held by a bind mount
  pidns-tree --translate 4242 --to pid:[4026532200]
                                   PID 4242 as that namespace numbers it
  pidns-tree --proc /host/proc     a host's procfs mounted inside a container
  pidns-tree --watch --json        namespaces as they come and go, as JSON Lines
  pidns-tree --proc /host/proc --host-root /host
                                   in a container that mounts the host's / at /host
  pidns-tree --json | jq '.. | objects | select(.level? >= 2) | .label'

Exit status: 0 success (also when some processes could not be read; stderr says
how many), 1 failure (e.g. the procfs root is unusable, a PID or namespace given
on the command line does not exist, --translate finds the PID not visible),
2 usage error. See pidns-tree(1).)";

// Where names are read: --host-root, else our own "/". That holds the files of our own procfs's
// host only: under --proc of another namespace's procfs it is a guess the scan will not make.
std::string host_root_of(const Options& options) { return options.host_root.value_or("/"); }
bool host_root_is_a_guess(const Options& options) {
  return !options.host_root && options.proc_root != "/proc";
}

// What the scan must collect for these options, and nothing more: each item costs system calls.
ScanRequest request_for(const Options& options, const TermEnv& env) {
  ScanRequest request;
  // Status files only where the output shows processes or their PIDs at every level.
  request.statuses = options.processes || options.translate.has_value();
  constexpr unsigned kMaxDefaultJobs = 8;  // beyond this, /proc's own locks serialise the reads
  request.jobs = options.jobs > 0 ? options.jobs : std::min(env.cpus, kMaxDefaultJobs);
  bool json = options.format == Format::Json;
  request.owners = json || options.owner;
  request.ids = json || options.unique_id;
  request.cgroups = json || options.labels;
  request.all = options.all;
  if (request.cgroups) {  // names only where a label may show them
    request.host_root = host_root_of(options);
    request.host_root_default = host_root_is_a_guess(options);
  }
  // Namespaces named by path are opened and climbed by the scan; inodes are looked up after it.
  request.ns_paths = options.namespaces;
  if (options.translate) request.ns_paths.push_back(options.to);
  std::erase_if(request.ns_paths, [](const std::string& s) { return parse_ns_inode(s); });
  // PIDs that /proc does not list may be threads: the scan looks them up.
  request.tids = options.pids;
  if (options.translate) {
    request.tids.push_back(*options.translate);
    if (std::optional<pid_t> to = parse_to_pid(options.to)) request.tids.push_back(*to);
  }
  return request;
}

std::unordered_set<uid_t> owner_uids(const NamespaceGraph& graph) {
  std::unordered_set<uid_t> uids;
  for (const auto& [id, n] : graph.nodes()) {
    if (n.owner) uids.insert(n.owner->uid);
  }
  return uids;
}

View view_for(const Options& options, const NamespaceGraph& graph, Resolver& resolver) {
  if (!options.pids.empty()) {
    std::vector<const Process*> selected;
    for (pid_t pid : options.pids) selected.push_back(&resolver.process(pid));
    return pid_view(graph, selected, options.max_depth);
  }
  if (options.namespaces.empty()) return whole_view(graph, options.max_depth);
  std::vector<NsId> ids;
  for (const std::string& n : options.namespaces) ids.push_back(resolver.ns(n));
  return ns_view(graph, ids, options.max_depth);
}

// --translate PID --to NS: the PID in NS is the field of NS's level in the process's NStgid (a
// thread's own NSpid), if NS is the process's namespace or one of its ancestors. Writes the
// answer to `text`; returns the error, if any.
std::optional<std::string> translate(const NamespaceGraph& graph, Resolver& resolver,
                                     const Options& options, std::string& text) {
  pid_t pid = *options.translate;
  const Process& p = resolver.process(pid);  // says so before judging --to
  const Task* thread = resolver.task(pid);
  const LevelPids& ids = thread ? thread->nspid : p.status.nstgid;
  NsId target = resolver.ns_or_pid(options.to);
  std::optional<pid_t> translated;
  std::size_t steps = 0;
  for (std::optional<NsId> ns = p.ns; ns; ns = graph.at(*ns).parent, ++steps) {
    if (*ns != target) continue;
    if (steps >= ids.size()) {
      throw std::runtime_error(ns_label(target) + " lies above the namespace of " +
                               graph.proc_root() + ": its PIDs cannot be read there");
    }
    translated = ids[ids.size() - 1 - steps];
    break;
  }
  if (options.format == Format::Json) {
    render_translation_json(pid, target, translated, text);
  } else if (translated) {
    text = fmt::format("{}\n", *translated);
  }
  if (translated) return std::nullopt;
  return fmt::format("PID {} is not visible in {}: it lives in {}, which is not {} or below it",
                     pid, ns_label(target), ns_label(p.ns), ns_label(target));
}

void render(const Options& options, const NamespaceGraph& graph, const View& view,
            const RenderOptions& render_options, std::string& text) {
  switch (options.format) {
    case Format::Json:
      render_json(graph, view, render_options, text);
      break;
    case Format::Dot:
      render_dot(graph, view, render_options, text);
      break;
    case Format::Text:
      render_text(graph, view, render_options, text);
      break;
  }
}

}  // namespace

std::variant<Options, int> parse_args(int argc, const char* const* argv, std::ostream& out,
                                      std::ostream& err) {
  CLI::App app{"Show the hierarchy of Linux PID namespaces and the processes in each.",
               "pidns-tree"};
  app.footer(kFooter);
  app.get_formatter()->column_width(34);
  Options opts;

  app.add_option("--proc", opts.proc_root,
                 "Scan the procfs mounted at DIR (default /proc), e.g. a host's procfs mounted "
                 "in a container")
      ->option_text("DIR");
  app.add_option("--host-root", opts.host_root,
                 "Read container names from the state files below DIR (default /), e.g. the "
                 "host's / mounted at /host in a container")
      ->check(CLI::ExistingDirectory)
      ->option_text("DIR");
  bool json = false;
  app.add_flag("-J,--json", json, "Print one JSON document (same as --format json)");
  std::string format = "text";
  app.add_option("--format", format, "Output format: text, json or dot (Graphviz)")
      ->transform(CLI::IsMember({"text", "json", "dot"}, CLI::ignore_case))
      ->option_text("FORMAT");
  bool no_pids = false;
  app.add_flag("-N,--no-pids", no_pids, "Show namespaces only, with their counts");
  auto* pid = app.add_option("-p,--pid", opts.pids,
                             "Show the branch down to PID's namespace, and its subtree "
                             "(repeat: -p 1 -p 2)")
                  ->check(CLI::Range(1, static_cast<int>(kPidMaxLimit)))
                  ->option_text("PID")
                  ->allow_extra_args(false);
  auto* ns = app.add_option("-n,--ns", opts.namespaces,
                            "Show the subtree of NS: an inode, pid:[INODE], or an nsfs file "
                            "such as /proc/PID/ns/pid (repeat: -n A -n B)")
                 ->option_text("NS")
                 ->allow_extra_args(false);
  pid->excludes(ns);
  app.add_option("-d,--max-depth", opts.max_depth,
                 "Show N levels below the top; deeper namespaces are counted")
      ->check(CLI::Range(0, kMaxPidNsLevel))
      ->option_text("N");
  app.add_flag("--ptree", opts.ptree, "Show each namespace's processes as a tree by parent PID");
  app.add_flag("-k,--kernel-threads", opts.kernel_threads,
               "List kernel threads one by one instead of counting them in one line");
  app.add_option("-j,--jobs", opts.jobs,
                 "Read processes with N threads (default: the CPUs, at most 8; 1: none)")
      ->check(CLI::Range(1, 256))
      ->option_text("N");
  app.add_flag("--owner", opts.owner,
               "Show each namespace's owning user namespace and its owner's UID");
  app.add_flag("--ns-id", opts.unique_id, "Show the 64-bit namespace ids of Linux 6.18+");
  bool no_labels = false;
  app.add_flag("--no-labels", no_labels, "Do not show container labels found from cgroups");
  app.add_flag("-a,--all", opts.all,
               "Also find namespaces held only by open fds, bind mounts or pid_for_children");
  auto* translate_opt = app.add_option("-t,--translate", opts.translate,
                                       "Print the PID that process PID has in --to's namespace")
                            ->check(CLI::Range(1, static_cast<int>(kPidMaxLimit)))
                            ->option_text("PID");
  auto* to = app.add_option("--to", opts.to,
                            "With --translate: the namespace (as for --ns), or the namespace of "
                            "a PID (a number up to 4194304 is a PID, a larger one an inode)")
                 ->option_text("NS|PID");
  translate_opt->needs(to);
  to->needs(translate_opt);
  translate_opt->excludes(pid)->excludes(ns);
  auto* watch = app.add_flag("--watch", opts.watch,
                             "Print namespaces as they are created and go, until interrupted");
  watch->excludes(pid)->excludes(translate_opt)->excludes(to);
  app.add_option("--interval", opts.interval,
                 "With --watch, where the kernel's process events cannot be had: rescan every "
                 "SECONDS (default 1; fractions too)")
      ->check(CLI::Range(0.01, 86400.0))
      ->option_text("SECONDS")
      ->needs(watch);
  app.add_flag("--ascii", opts.ascii, "Draw the tree with ASCII instead of Unicode glyphs");
  std::string color = "auto";
  app.add_option("--color", color, "When to color the text: auto, always or never")
      ->transform(CLI::IsMember({"auto", "always", "never"}, CLI::ignore_case))
      ->option_text("WHEN");
  app.set_version_flag("-V,--version", std::string("pidns-tree ") + kVersion);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    int status = app.exit(e, out, err);
    return flushed(out, err) ? status : kFailure;
  } catch (const CLI::CallForVersion& e) {
    int status = app.exit(e, out, err);
    return flushed(out, err) ? status : kFailure;
  } catch (const CLI::ParseError& e) {
    err << "pidns-tree: " << e.what() << " (see pidns-tree --help)\n";
    return kUsage;
  }

  opts.format = json || format == "json" ? Format::Json
                : format == "dot"        ? Format::Dot
                                         : Format::Text;
  if (json && format != "text" && format != "json") {
    err << "pidns-tree: --json contradicts --format " << format << " (see pidns-tree --help)\n";
    return kUsage;
  }
  // Events name one namespace each, with no process list, tree or owner: these would be
  // accepted and silently do nothing.
  for (auto [set, what] : {std::pair{opts.format == Format::Dot, "--format dot"},
                           {opts.all, "--all"},
                           {opts.max_depth.has_value(), "--max-depth"},
                           {opts.ptree, "--ptree"},
                           {opts.owner, "--owner"},
                           {opts.kernel_threads, "--kernel-threads"}}) {
    if (opts.watch && set) {
      err << "pidns-tree: --watch excludes " << what << " (see pidns-tree --help)\n";
      return kUsage;
    }
  }
  opts.color = color == "always"  ? ColorMode::Always
               : color == "never" ? ColorMode::Never
                                  : ColorMode::Auto;
  opts.processes = !no_pids;
  opts.labels = !no_labels;
  return opts;
}

namespace {

int watch(const Options& options, NsSource& source, std::ostream& out, std::ostream& err,
          const TermEnv& env) {
  bool json = options.format == Format::Json;
  WatchOptions watch{options.proc_root,
                     json,
                     !json && use_color(options.color, env),
                     options.labels,
                     options.unique_id,
                     options.namespaces,
                     options.interval,
                     host_root_of(options),
                     host_root_is_a_guess(options)};
  return run_watch(watch, source, out, err);
}

RenderOptions render_options_for(const Options& options, const TermEnv& env) {
  return RenderOptions{.processes = options.processes,
                       .unicode = env.utf8 && !options.ascii,
                       .color = options.format == Format::Text && use_color(options.color, env),
                       .owner = options.owner,
                       .unique_id = options.unique_id,
                       .labels = options.labels,
                       .ptree = options.ptree,
                       .kernel_threads = options.kernel_threads};
}

// Whose procfs this is goes without saying only for /proc of our own namespace.
bool procfs_header(const Options& options, const NamespaceGraph& graph) {
  ProcfsView::Relation relation = graph.procfs().relation;
  return options.proc_root != "/proc" ||
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

}  // namespace

int execute(const Options& options, NsSource& source, std::ostream& out, std::ostream& err,
            const TermEnv& env, const UserNames& user_names) {
  if (options.watch) return watch(options, source, out, err, env);
  std::string text;
  NamespaceGraph graph;
  ScanNotes notes;
  RenderOptions render_options = render_options_for(options, env);
  bool whole_forest = options.pids.empty() && options.namespaces.empty();
  try {
    ScanRequest request = request_for(options, env);
    Scan scan = source.scan(request);
    notes.unreachable = std::move(scan.unreachable_mounts);
    notes.names_skipped = scan.names_skipped;
    std::vector<NsId> named = std::move(scan.named);
    std::vector<Task> tasks = std::move(scan.tasks);
    graph = NamespaceGraph::build(std::move(scan));
    Resolver resolver(graph, request.ns_paths, std::move(named), std::move(tasks));
    if (request.owners && user_names) render_options.user_names = user_names(owner_uids(graph));
    render_options.procfs_header = procfs_header(options, graph);
    if (options.translate) {
      std::optional<std::string> error = translate(graph, resolver, options, text);
      out << text;
      bool written = flushed(out, err);
      if (error) say(err, *error);
      notes.resolved = resolver.notes();
      report(graph, notes, env.root, whole_forest, err);
      return written && !error ? kOk : kFailure;
    }
    View view = view_for(options, graph, resolver);
    notes.resolved = resolver.notes();
    render_options.spill = spill_to(out);
    render(options, graph, view, render_options, text);
  } catch (const std::exception& e) {
    say(err, e.what());
    return kFailure;
  }
  // What is left of the document. Nothing reached stdout before the scan, the graph and the view
  // had all succeeded, so an error leaves stdout empty, never half a document.
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  bool written = flushed(out, err);
  report(graph, notes, env.root, whole_forest, err);
  return written ? kOk : kFailure;
}

}  // namespace pidns
