// cli: command-line options in, exit status out.
#include "cli.hpp"

#include <fmt/format.h>
#include <pwd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <unordered_set>

#include "graph.hpp"
#include "render.hpp"
#include "version.hpp"
#include "view.hpp"

namespace pidns {
namespace {

constexpr const char* kFooter = R"(Examples:
  sudo pidns-tree                  every PID namespace and its processes
  pidns-tree -N                    namespaces only, with counts
  pidns-tree --pid 4242            the branch down to PID 4242's namespace
  pidns-tree --ns /run/x/pidns     the subtree of a namespace held by a bind mount
  pidns-tree --translate 4242 --to pid:[4026532200]
                                   PID 4242 as that namespace numbers it
  pidns-tree --proc /host/proc --host-root /host
                                   in a container that mounts the host's / at /host
  pidns-tree --json | jq '.. | objects | select(.level? >= 2) | .label'

Exit status: 0 success (also when some processes could not be read; stderr says
how many), 1 failure (e.g. the procfs root is unusable, a PID or namespace given
on the command line does not exist, --translate finds the PID not visible),
2 usage error. See pidns-tree(1).)";

// pid_max cannot exceed 2^22 (PID_MAX_LIMIT), and namespace inodes are far larger, so a plain
// number names a PID when it is small enough and a namespace otherwise.
constexpr long long kPidMaxLimit = 4 * 1024 * 1024;

bool is_inode_text(std::string_view text) { return parse_ns_inode(text).has_value(); }

// The summary of what could not be shown: one line, never one per process.
void report_unshown(const NamespaceGraph& graph, const TermEnv& env, std::ostream& err) {
  auto pid_list = [](const std::vector<pid_t>& pids) {
    constexpr std::size_t kShown = 8;
    std::string list = fmt::format(
        "{}", fmt::join(pids.begin(), pids.begin() + std::min(pids.size(), kShown), ", "));
    if (pids.size() > kShown) list += ", ...";
    return fmt::format("PID{} {}", pids.size() == 1 ? "" : "s", list);
  };
  std::vector<std::string> why;
  if (!graph.inaccessible().empty()) {
    why.push_back(fmt::format("permission denied ({}){}", pid_list(graph.inaccessible()),
                              env.root ? "" : "; run as root to see more"));
  }
  if (!graph.malformed().empty()) {
    why.push_back(fmt::format("unparsable status ({})", pid_list(graph.malformed())));
  }
  if (why.empty()) return;
  std::size_t n = graph.inaccessible().size() + graph.malformed().size();
  err << fmt::format("pidns-tree: {} process{} not shown: {}\n", n, n == 1 ? "" : "es",
                     fmt::join(why, "; "));
}

// Inside a container over its host's procfs the kernel hides parents (NS_GET_PARENT: EPERM);
// say so rather than let a forest pass for the whole truth.
void report_forest(const NamespaceGraph& graph, std::ostream& err) {
  if (graph.roots().size() < 2) return;
  err << fmt::format(
      "pidns-tree: {} separate trees: the kernel does not name the parents of namespaces outside "
      "pidns-tree's own (NS_GET_PARENT: EPERM), and procfs did not tell where they belong\n",
      graph.roots().size());
}

// Names for the owner UIDs, from /etc/passwd itself: getpwuid() may ask nscd or sssd over a
// socket, and pidns-tree promises to talk to nobody. UIDs known only to LDAP stay numbers.
std::unordered_map<uid_t, std::string> user_names(const NamespaceGraph& graph) {
  std::unordered_set<uid_t> wanted;
  for (const auto& [id, n] : graph.nodes()) {
    if (n.owner) wanted.insert(n.owner->uid);
  }
  std::unordered_map<uid_t, std::string> names;
  if (wanted.empty()) return names;
  std::unique_ptr<FILE, int (*)(FILE*)> passwd(std::fopen("/etc/passwd", "re"), std::fclose);
  if (!passwd) return names;
  while (const struct passwd* pw = ::fgetpwent(passwd.get())) {
    if (wanted.contains(pw->pw_uid)) names.try_emplace(pw->pw_uid, pw->pw_name);
  }
  return names;
}

// What the scan must collect for these options, and nothing more: each item costs system calls.
ScanRequest request_for(const Options& options) {
  ScanRequest request;
  bool json = options.format == Format::Json;
  request.owners = json || options.owner;
  request.ids = json || options.unique_id;
  request.cgroups = json || options.labels;
  request.all = options.all;
  // Names only where a label may show them. Our own "/" holds the files of our own procfs's
  // host; under --proc of another namespace's procfs that is a guess the scan will not make.
  if (request.cgroups) {
    request.host_root = options.host_root.value_or("/");
    request.host_root_default = !options.host_root && options.proc_root != "/proc";
  }
  // Namespaces named by path are opened and climbed by the scan; inodes are looked up after it.
  request.ns_paths = options.namespaces;
  if (options.translate) request.ns_paths.push_back(options.to);
  std::erase_if(request.ns_paths, [](const std::string& s) { return is_inode_text(s); });
  return request;
}

// Turns --ns and --to values into namespaces: an inode is looked up in the graph, a path was
// resolved by the scan (ScanRequest::ns_paths, in order, into Scan::named).
class NsResolver {
 public:
  NsResolver(const NamespaceGraph& graph, std::vector<std::string> paths, std::vector<NsId> ids)
      : graph_(graph), paths_(std::move(paths)), ids_(std::move(ids)) {}

  [[nodiscard]] NsId namespace_of(const std::string& text) const {
    if (std::optional<NsId> id = find_by_inode(graph_, text)) return *id;
    for (std::size_t i = 0; i < paths_.size(); ++i) {
      if (paths_[i] == text) return ids_.at(i);
    }
    throw std::logic_error("unresolved namespace " + text);
  }

  /// --to: a number small enough to be a PID means that process's namespace.
  [[nodiscard]] NsId namespace_or_pid(const std::string& text) const {
    bool pid = !text.empty() && text.size() <= 7 &&
               text.find_first_not_of("0123456789") == std::string::npos &&
               std::stoll(text) <= kPidMaxLimit;
    if (!pid) return namespace_of(text);
    pid_t number = static_cast<pid_t>(std::stoll(text));
    const Process* p = graph_.process(number);
    if (p == nullptr) throw std::runtime_error(missing_pid_reason(graph_, number));
    return p->ns;
  }

 private:
  const NamespaceGraph& graph_;
  std::vector<std::string> paths_;
  std::vector<NsId> ids_;
};

View view_for(const Options& options, const NamespaceGraph& graph, const NsResolver& resolver) {
  if (!options.pids.empty()) return pid_view(graph, options.pids, options.max_depth);
  if (options.namespaces.empty()) return whole_view(graph, options.max_depth);
  std::vector<NsId> ids;
  for (const std::string& n : options.namespaces) ids.push_back(resolver.namespace_of(n));
  return ns_view(graph, ids, options.max_depth);
}

// --translate PID --to NS: the PID in NS is the NStgid field of NS's level, if NS is the process's
// namespace or one of its ancestors.
int translate(const NamespaceGraph& graph, pid_t pid, const NsId& target, const Options& options,
              std::ostream& out, std::ostream& err) {
  const Process* p = graph.process(pid);
  if (p == nullptr) throw std::runtime_error(missing_pid_reason(graph, pid));
  std::optional<pid_t> translated;
  std::size_t steps = 0;
  for (std::optional<NsId> ns = p->ns; ns; ns = graph.at(*ns).parent, ++steps) {
    if (*ns != target) continue;
    const std::vector<pid_t>& nstgid = p->status.nstgid;
    if (steps >= nstgid.size()) {
      throw std::runtime_error(ns_label(target) + " lies above the namespace of " +
                               graph.proc_root() + ": its PIDs cannot be read there");
    }
    translated = nstgid[nstgid.size() - 1 - steps];
    break;
  }
  std::string text;
  if (options.format == Format::Json) {
    render_translation_json(pid, target, translated, text);
  } else if (translated) {
    text = fmt::format("{}\n", *translated);
  }
  out << text << std::flush;
  if (!translated) {
    err << fmt::format(
        "pidns-tree: PID {} is not visible in {}: it lives in {}, which is not {} "
        "or below it\n",
        pid, ns_label(target), ns_label(p->ns), ns_label(target));
    return kFailure;
  }
  return out ? kOk : kFailure;
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
  app.add_flag("--ascii", opts.ascii, "Draw the tree with ASCII instead of Unicode glyphs");
  std::string color = "auto";
  app.add_option("--color", color, "When to color the text: auto, always or never")
      ->transform(CLI::IsMember({"auto", "always", "never"}, CLI::ignore_case))
      ->option_text("WHEN");
  app.set_version_flag("-V,--version", std::string("pidns-tree ") + kVersion);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
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
  opts.color = color == "always"  ? ColorMode::Always
               : color == "never" ? ColorMode::Never
                                  : ColorMode::Auto;
  opts.processes = !no_pids;
  opts.labels = !no_labels;
  return opts;
}

int execute(const Options& options, NsSource& source, std::ostream& out, std::ostream& err,
            const TermEnv& env) {
  std::string text;
  bool names_skipped = false;
  NamespaceGraph graph;
  RenderOptions render{.processes = options.processes,
                       .unicode = env.utf8 && !options.ascii,
                       .color = options.format == Format::Text && use_color(options.color, env),
                       .owner = options.owner,
                       .unique_id = options.unique_id,
                       .labels = options.labels,
                       .ptree = options.ptree};
  // Rendered output goes out in pieces of about 64 KiB, so that a 10,000-process document is
  // never held whole: in JSON that was 2.5 KiB of peak memory per process (tests/robust).
  constexpr std::size_t kSpillSize = 64 * 1024;
  auto spill = [&out](std::string& rendered) {
    if (rendered.size() < kSpillSize) return;
    out.write(rendered.data(), static_cast<std::streamsize>(rendered.size()));
    rendered.clear();
  };
  try {
    ScanRequest request = request_for(options);
    Scan scan = source.scan(request);
    names_skipped = scan.names_skipped;
    NsResolver resolver(graph, request.ns_paths, scan.named);
    graph = NamespaceGraph::build(std::move(scan));
    if (request.owners) render.user_names = user_names(graph);
    // Whose procfs this is goes without saying only for /proc of our own namespace.
    ProcfsView::Relation relation = graph.procfs().relation;
    render.procfs_header =
        options.proc_root != "/proc" ||
        (relation != ProcfsView::Relation::Same && relation != ProcfsView::Relation::Unknown);

    if (options.translate) {
      if (graph.process(*options.translate) == nullptr) {  // say so before judging --to
        throw std::runtime_error(missing_pid_reason(graph, *options.translate));
      }
      NsId target = resolver.namespace_or_pid(options.to);
      int status = translate(graph, *options.translate, target, options, out, err);
      report_unshown(graph, env, err);
      return status;
    }
    View view = view_for(options, graph, resolver);
    render.spill = spill;  // from here on nothing can fail
    switch (options.format) {
      case Format::Json:
        render_json(graph, view, render, text);
        break;
      case Format::Dot:
        render_dot(graph, view, render, text);
        break;
      case Format::Text:
        render_text(graph, view, render, text);
        break;
    }
  } catch (const std::exception& e) {
    err << "pidns-tree: " << e.what() << '\n';
    return kFailure;
  }

  // What is left of the document. Nothing reached stdout before the scan, the graph and the view
  // had all succeeded, so an error leaves stdout empty, never half a document.
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  report_unshown(graph, env, err);
  if (names_skipped) {
    err << "pidns-tree: no container names: " << options.proc_root
        << " is not the procfs of pidns-tree's own PID namespace, so / need not be that host's "
           "root; pass the host's root directory with --host-root (e.g. --host-root /host)\n";
  }
  if (options.pids.empty() && options.namespaces.empty()) report_forest(graph, err);
  if (!out) {
    err << "pidns-tree: error writing to standard output\n";
    return kFailure;
  }
  return kOk;
}

}  // namespace pidns
