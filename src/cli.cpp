// cli: command-line options in, exit status out.
#include "cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <ostream>
#include <stdexcept>

#include "graph.hpp"
#include "render.hpp"
#include "version.hpp"

namespace pidns {
namespace {

constexpr const char* kFooter = R"(Examples:
  sudo pidns-tree                  every PID namespace and its processes
  pidns-tree --no-pids             namespaces only, with counts
  pidns-tree --proc /host/proc     a host's procfs mounted inside a container
  pidns-tree --json | jq '..|objects|select(.level? >= 2)|.label'

Exit status: 0 success (also when some processes could not be read; stderr says
how many), 1 failure (e.g. the procfs root is unusable), 2 usage error.
See pidns-tree(1).)";

// Writes the pidns-tree run's summary of what it could not show: one line, never one per process.
void report_unshown(const NamespaceGraph& graph, const TermEnv& env, std::ostream& err) {
  auto pid_list = [](const std::vector<pid_t>& pids) {
    constexpr std::size_t kShown = 8;
    std::string list = fmt::format("{}", fmt::join(pids.begin(),
                                                   pids.begin() + std::min(pids.size(), kShown),
                                                   ", "));
    if (pids.size() > kShown) list += ", ...";
    return fmt::format("PID{} {}", pids.size() == 1 ? "" : "s", list);
  };
  std::vector<std::string> why;
  if (!graph.inaccessible().empty()) {
    why.push_back(fmt::format("permission denied ({}){}",
                              pid_list(graph.inaccessible()),
                              env.root ? "" : "; run as root to see more"));
  }
  if (!graph.malformed().empty()) {
    why.push_back(fmt::format("unparsable status ({})",
                              pid_list(graph.malformed())));
  }
  if (why.empty()) return;
  std::size_t n = graph.inaccessible().size() + graph.malformed().size();
  err << fmt::format("pidns-tree: {} process{} not shown: {}\n", n, n == 1 ? "" : "es",
                     fmt::join(why, "; "));
}

}  // namespace

std::variant<Options, int> parse_args(int argc, const char* const* argv, std::ostream& out,
                                      std::ostream& err) {
  CLI::App app{"Show the hierarchy of Linux PID namespaces and the processes in each.",
               "pidns-tree"};
  app.footer(kFooter);
  app.get_formatter()->column_width(30);
  Options opts;

  app.add_option("--proc", opts.proc_root,
                 "Scan the procfs mounted at DIR (default /proc), e.g. a host's /proc in a "
                 "container")
      ->option_text("DIR");
  bool json = false;
  app.add_flag("-J,--json", json, "Print one JSON document instead of the tree");
  std::string format = "text";
  app.add_option("--format", format, "Output format: text or json")
      ->transform(CLI::IsMember({"text", "json"}, CLI::ignore_case))
      ->option_text("FORMAT");
  bool no_pids = false;
  app.add_flag("-N,--no-pids", no_pids, "Show namespaces only, with their counts");
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

  opts.format = json || format == "json" ? Format::Json : Format::Text;
  opts.color = color == "always"  ? ColorMode::Always
               : color == "never" ? ColorMode::Never
                                  : ColorMode::Auto;
  opts.processes = !no_pids;
  return opts;
}

int execute(const Options& options, NsSource& source, std::ostream& out, std::ostream& err,
            const TermEnv& env) {
  NamespaceGraph graph;
  try {
    graph = NamespaceGraph::build(source.scan());
  } catch (const std::exception& e) {
    err << "pidns-tree: " << e.what() << '\n';
    return kFailure;
  }

  RenderOptions render{.processes = options.processes,
                       .unicode = env.utf8 && !options.ascii,
                       .color = options.format == Format::Text && use_color(options.color, env)};
  std::string text;
  if (options.format == Format::Json) {
    render_json(graph, render, text);
  } else {
    render_text(graph, render, text);
  }
  // One write of the whole document: an error before this point leaves stdout empty.
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.flush();
  report_unshown(graph, env, err);
  if (!out) {
    err << "pidns-tree: error writing to standard output\n";
    return kFailure;
  }
  return kOk;
}

}  // namespace pidns
