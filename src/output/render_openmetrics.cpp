// render_openmetrics: the snapshot as OpenMetrics text 1.0 for Prometheus, and so (without its
// last line, "# EOF") as Prometheus text 0.0.4 for node-exporter's textfile collector. Family
// names and labels are a contract that dashboards rely on: see man/pidns-tree.1, OPENMETRICS.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>

#include "output/render.hpp"
#include "output/utf8.hpp"
#include "output/walk.hpp"

namespace pidns {
namespace {

// Every family is a gauge: a snapshot counts what exists now. The info family is one too, named
// "_info" as node-exporter's node_uname_info is: text 0.0.4 has no "info" type (promtool rejects
// it), and this document must read as both formats.
struct Family {
  std::string_view name;
  std::string_view help;  // no backslash, quote or newline: HELP escapes differ in the two formats
  std::string_view unit = {};
};

constexpr Family kBuildInfo{"pidns_build_info",
                            "The version of pidns-tree that wrote these metrics; always 1."};
constexpr Family kNamespaces{"pidns_namespaces", "PID namespaces found by the scan."};
constexpr Family kAtLevel{"pidns_namespaces_at_level",
                          "PID namespaces found by the scan at each level (0: the outermost)."};
constexpr Family kMaxLevel{"pidns_max_level",
                           "The deepest level of a PID namespace found by the scan."};
constexpr Family kProcesses{"pidns_processes",
                            "Processes found by the scan, kernel threads included."};
constexpr Family kInaccessible{"pidns_processes_inaccessible",
                               "Processes that could be neither read nor placed in a namespace."};
constexpr Family kInferred{
    "pidns_processes_inferred",
    "Processes placed from their status file alone, without ptrace rights to their ns/pid."};
constexpr Family kDuration{"pidns_scan_duration_seconds",
                           "How long the scan of procfs and the building of the tree took.",
                           "seconds"};
constexpr Family kInfo{"pidns_namespace_info",
                       "A PID namespace with its parent, level, init, owner and container; "
                       "always 1."};
constexpr Family kNsProcesses{"pidns_namespace_processes",
                              "Member processes of a PID namespace, kernel threads included."};
constexpr Family kNsThreads{"pidns_namespace_threads",
                            "Threads of the member processes of a PID namespace."};
constexpr Family kNsKernelThreads{"pidns_namespace_kernel_threads",
                                  "Kernel threads among the members of a PID namespace."};

// The pidns label: the inode as `pid:[INODE]` shows it, or "?" and the init's PID for a
// namespace inferred without an inode (the init is what tells two of them apart).
std::string pidns_value(const NsId& id) {
  return id.is_inferred() ? fmt::format("?{}", id.ino) : fmt::format("{}", id.ino);
}

// One namespace of the view, as the walk met it. The walk goes namespace by namespace, the
// document family by family: rows are collected first, then written once per family.
struct NsRow {
  const NsNode* ns = nullptr;
  std::size_t kernel_threads = 0;
};

class OpenMetricsRenderer final : public Visitor {
 public:
  OpenMetricsRenderer(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                      std::string& out)
      : graph_(graph), view_(view), options_(options), out_(out) {}

  void document() {
    // Counts come from each namespace's members; no process row is needed.
    walk(graph_, view_, WalkOptions{.processes = false}, *this);
    scan_families();
    info_family();
    per_namespace(kNsProcesses, [](const NsRow& r) { return r.ns->processes.size(); });
    per_namespace(kNsThreads, [](const NsRow& r) { return std::size_t{r.ns->threads}; });
    per_namespace(kNsKernelThreads, [](const NsRow& r) { return r.kernel_threads; });
    out_ += "# EOF\n";
  }

  void enter_namespace(const NsNode& ns, const Place&) override {
    auto kernel = std::count_if(ns.processes.begin(), ns.processes.end(),
                                [](const Process& p) { return p.status.kernel_thread; });
    rows_.push_back({&ns, static_cast<std::size_t>(kernel)});
  }
  void enter_process(const NsNode&, const Process&, const Place&) override {}
  void kernel_threads(const NsNode&, std::size_t, const Place&) override {}
  void cut(const NsNode&, std::size_t, std::size_t, const Place&) override {}

 private:
  void header(const Family& f) {
    fmt::format_to(std::back_inserter(out_), "# HELP {0} {1}\n# TYPE {0} gauge\n", f.name, f.help);
    if (!f.unit.empty()) fmt::format_to(std::back_inserter(out_), "# UNIT {} {}\n", f.name, f.unit);
  }
  template <typename T>
  void gauge(const Family& f, T value) {
    header(f);
    fmt::format_to(std::back_inserter(out_), "{} {}\n", f.name, value);
  }

  // What the whole scan found, whatever part of it --pid, --ns or --max-depth shows (as the
  // JSON summary counts it).
  void scan_families() {
    header(kBuildInfo);
    out_ += "pidns_build_info{version=\"" + openmetrics_label_value(options_.version) + "\"} 1\n";
    gauge(kNamespaces, graph_.namespace_count());
    std::map<int, std::size_t> at_level;
    for (const auto& [id, ns] : graph_.nodes()) ++at_level[ns.level];
    header(kAtLevel);
    for (auto [level, count] : at_level) {
      fmt::format_to(std::back_inserter(out_), "{}{{level=\"{}\"}} {}\n", kAtLevel.name, level,
                     count);
    }
    gauge(kMaxLevel, at_level.empty() ? 0 : at_level.rbegin()->first);
    gauge(kProcesses, graph_.process_count());
    gauge(kInaccessible, graph_.inaccessible().size());
    gauge(kInferred, graph_.inferred());
    gauge(kDuration, fmt::format("{:.6f}", options_.scan_seconds));
  }

  void info_family() {
    header(kInfo);
    for (const NsRow& row : rows_) {
      const NsNode& ns = *row.ns;
      const Process* init = init_of(ns);
      ContainerLabel none;
      const ContainerLabel& c = ns.container && options_.labels ? *ns.container : none;
      std::string owner_uid, owner_user;
      if (ns.owner) {
        owner_uid = fmt::format("{}", ns.owner->uid);
        auto name = options_.user_names.find(ns.owner->uid);
        if (name != options_.user_names.end()) owner_user = name->second;
      }
      out_ += kInfo.name;
      label('{', "pidns", pidns_value(ns.id));
      label(',', "parent", ns.parent ? pidns_value(*ns.parent) : "");
      label(',', "level", fmt::format("{}", ns.level));
      label(',', "init_pid", ns.init ? fmt::format("{}", *ns.init) : "");
      label(',', "init_name", init != nullptr ? init->status.name : "");
      label(',', "container_engine", c.engine);
      label(',', "container_id", c.id);
      label(',', "container_name", c.names.name);
      label(',', "pod", c.names.pod_name);
      label(',', "pod_namespace", c.names.pod_namespace);
      label(',', "compose_project", c.names.compose_project);
      label(',', "compose_service", c.names.compose_service);
      label(',', "owner_uid", owner_uid);
      label(',', "owner_user", owner_user);
      if (ns.ns_inferred()) label(',', "inferred", "true");
      out_ += "} 1\n";
      if (options_.spill) options_.spill(out_);
    }
  }

  template <typename Value>
  void per_namespace(const Family& f, Value value) {
    header(f);
    for (const NsRow& row : rows_) {
      fmt::format_to(std::back_inserter(out_), "{}{{pidns=\"{}\"}} {}\n", f.name,
                     pidns_value(row.ns->id), value(row));
      if (options_.spill) options_.spill(out_);
    }
  }

  void label(char before, std::string_view name, std::string_view value) {
    out_ += before;
    out_ += name;
    out_ += "=\"";
    out_ += openmetrics_label_value(value);
    out_ += '"';
  }

  static const Process* init_of(const NsNode& ns) {
    if (!ns.init) return nullptr;
    auto it = std::lower_bound(ns.processes.begin(), ns.processes.end(), *ns.init,
                               [](const Process& p, pid_t pid) { return p.pid < pid; });
    return it != ns.processes.end() && it->pid == *ns.init ? &*it : nullptr;
  }

  const NamespaceGraph& graph_;
  const View& view_;
  const RenderOptions& options_;
  std::string& out_;
  std::vector<NsRow> rows_;
};

}  // namespace

std::string openmetrics_label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    Utf8Step step = next_utf8(text, i);
    if (!step.valid) {
      out += "\xEF\xBF\xBD";  // U+FFFD, once per maximal subpart, as nlohmann's replace writes it
    } else if (step.code_point == '\\') {
      out += "\\\\";
    } else if (step.code_point == '"') {
      out += "\\\"";
    } else if (step.code_point == '\n') {
      out += "\\n";
    } else {
      out.append(text, i, step.length);
    }
    i += step.length;
  }
  return out;
}

void render_openmetrics(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                        std::string& out) {
  OpenMetricsRenderer(graph, view, options, out).document();
}

}  // namespace pidns
