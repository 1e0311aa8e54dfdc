// cli: the command line parsed and checked.
#include "app/cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <ostream>

#include "kernel/procfs.hpp"
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
  pidns-tree --format openmetrics --output /var/lib/node_exporter/textfile_collector/pidns.prom
                                   metrics for node-exporter's textfile collector
  pidns-tree --json | jq '.. | objects | select(.level? >= 2) | .label'

Exit status: 0 success (also when some processes could not be read; stderr says
how many), 1 failure (e.g. the procfs root is unusable, a PID or namespace given
on the command line does not exist, --translate finds the PID not visible),
2 usage error. See pidns-tree(1).)";

constexpr double kMinInterval = 0.01;
constexpr double kMaxInterval = 86400.0;

// --interval's check. CLI::Range lets NaN through (every comparison with it is false), and a
// watcher given NaN would never rescan: a number, finite and in range, or a usage error.
std::string check_interval(const std::string& text) {
  double seconds = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, seconds);
  if (ec == std::errc() && stop == end && std::isfinite(seconds) && seconds >= kMinInterval &&
      seconds <= kMaxInterval) {
    return {};
  }
  return fmt::format("'{}' is not a number of seconds from {:g} to {:g}", text, kMinInterval,
                     kMaxInterval);
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
  std::string source = "auto";
  app.add_option("--source", source,
                 "How to read processes: auto (the BPF task iterator where it can be used, "
                 "procfs otherwise), procfs or bpf")
      ->transform(CLI::IsMember({"auto", "procfs", "bpf"}, CLI::ignore_case))
      ->option_text("SOURCE");
  app.add_option("--host-root", opts.host_root,
                 "Read container names from the state files below DIR (default /), e.g. the "
                 "host's / mounted at /host in a container")
      ->check(CLI::ExistingDirectory)
      ->option_text("DIR");
  bool json = false;
  app.add_flag("-J,--json", json, "Print one JSON document (same as --format json)");
  std::string format = "text";
  app.add_option("--format", format,
                 "Output format: text, json, dot (Graphviz) or openmetrics (Prometheus)")
      ->transform(CLI::IsMember({"text", "json", "dot", "openmetrics"}, CLI::ignore_case))
      ->option_text("FORMAT");
  app.add_option("-o,--output", opts.output,
                 "Write to FILE instead of stdout: whole or not at all (a temporary file beside "
                 "it, renamed over it)")
      ->check([](const std::string& file) { return file.empty() ? "empty FILE" : ""; })
      ->option_text("FILE");
  bool no_pids = false;
  app.add_flag("-N,--no-pids", no_pids, "Show namespaces only, with their counts");
  auto* pid = app.add_option("-p,--pid", opts.pids,
                             "Show the branch down to PID's namespace, and its subtree "
                             "(repeat: -p 1 -p 2)")
                  ->check(CLI::Range(1, static_cast<int>(kPidMaxLimit)))
                  ->option_text("PID")
                  ->allow_extra_args(false);
  std::vector<std::string> namespaces;
  auto* ns = app.add_option("-n,--ns", namespaces,
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
  std::string to_text;
  auto* to = app.add_option("--to", to_text,
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
      ->check(CLI::Validator(check_interval, "SECONDS"))
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
    say(err, std::string(e.what()) + " (see pidns-tree --help)");
    return kUsage;
  }

  opts.format = json || format == "json"  ? Format::Json
                : format == "dot"         ? Format::Dot
                : format == "openmetrics" ? Format::OpenMetrics
                                          : Format::Text;
  if (json && format != "text" && format != "json") {
    say(err, "--json contradicts --format " + format + " (see pidns-tree --help)");
    return kUsage;
  }
  // Events name one namespace each, with no process list, tree or owner: these would be
  // accepted and silently do nothing.
  for (auto [set, what] : {std::pair{opts.format == Format::Dot, "--format dot"},
                           {opts.format == Format::OpenMetrics, "--format openmetrics"},
                           {opts.output.has_value(), "--output"},
                           {opts.all, "--all"},
                           {opts.max_depth.has_value(), "--max-depth"},
                           {opts.ptree, "--ptree"},
                           {opts.owner, "--owner"},
                           {opts.kernel_threads, "--kernel-threads"}}) {
    if (opts.watch && set) {
      say(err, std::string("--watch excludes ") + what + " (see pidns-tree --help)");
      return kUsage;
    }
  }
  // Metrics list no processes and answer no --translate: these would silently do nothing.
  for (auto [set, what] : {std::pair{opts.translate.has_value(), "--translate"},
                           {opts.ptree, "--ptree"},
                           {opts.kernel_threads, "--kernel-threads"}}) {
    if (opts.format == Format::OpenMetrics && set) {
      say(err, std::string("--format openmetrics excludes ") + what + " (see pidns-tree --help)");
      return kUsage;
    }
  }
  opts.color = color == "always"  ? ColorMode::Always
               : color == "never" ? ColorMode::Never
                                  : ColorMode::Auto;
  opts.source = source == "bpf"      ? SourceChoice::kBpf
                : source == "procfs" ? SourceChoice::kProcfs
                                     : SourceChoice::kAuto;
  opts.processes = !no_pids;
  opts.labels = !no_labels;
  opts.namespaces.assign(namespaces.begin(), namespaces.end());
  if (!to->empty()) opts.to = NsOrPid(to_text);
  return opts;
}

}  // namespace pidns
