// render_dot: the namespace forest as a Graphviz digraph, for `dot -Tsvg`.
#include <fmt/format.h>

#include <iterator>

#include "render.hpp"
#include "term.hpp"

namespace pidns {
namespace {

// A DOT double-quoted string: names are escaped for the terminal first (so no control byte or
// invalid UTF-8 reaches Graphviz), then '"' and '\' are escaped for DOT itself.
std::string dot_escape(std::string_view text) {
  std::string out;
  for (char c : escape_for_terminal(text)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string node_name(const NsId& id) { return fmt::format("ns_{}_{}", id.dev, id.ino); }

class DotRenderer {
 public:
  DotRenderer(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
              std::string& out)
      : graph_(graph), view_(view), options_(options), out_(out) {}

  void digraph() {
    out_ += "digraph pidns {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n";
    for (const NsId& top : view_.tops) namespace_node(graph_.at(top), 0);
    out_ += "}\n";
  }

 private:
  void namespace_node(const NsNode& ns, int depth) {
    auto it = std::back_inserter(out_);
    std::string label = fmt::format("{}\\nlevel {}\\n", ns_label(ns.id), ns.level);
    label += ns.hidden()
                 ? (ns.all_members_seen ? "hidden: no processes" : "hidden: no visible processes")
                 : fmt::format("{} process{}, {} thread{}", ns.processes.size(),
                               ns.processes.size() == 1 ? "" : "es", ns.threads,
                               ns.threads == 1 ? "" : "s");
    if (ns.container) label += "\\n" + dot_escape(ns.container->text());
    fmt::format_to(it, "  {} [shape=box, style=\"{}\", label=\"{}\"];\n", node_name(ns.id),
                   ns.current ? "bold" : (ns.hidden() ? "dashed" : "solid"), label);

    if (options_.processes && view_.shows_processes(ns.id)) {
      for (const Process& p : ns.processes) {
        std::string name = fmt::format("p_{}", p.pid);
        fmt::format_to(it, "  {} [shape=ellipse{}, label=\"{} {}\\n{}\"];\n", name,
                       ns.init == p.pid ? ", style=bold" : "", p.pid, dot_escape(p.status.name),
                       fmt::join(p.status.nstgid, "/"));
        fmt::format_to(it, "  {} -> {} [arrowhead=none, style=dotted];\n", node_name(ns.id), name);
        if (options_.spill) options_.spill(out_);
      }
    }
    std::vector<NsId> children = view_.shown_children(ns);
    if (children.empty()) return;
    if (!view_.cuts_below(depth)) {
      for (const NsId& c : children) {
        namespace_node(graph_.at(c), depth + 1);
        fmt::format_to(it, "  {} -> {}{};\n", node_name(ns.id), node_name(c),
                       graph_.at(c).parent_inferred ? " [style=dashed, label=\"inferred\"]" : "");
      }
    } else {
      auto [namespaces, processes] = count_cut(graph_, view_, ns.id);
      fmt::format_to(it,
                     "  {}_cut [shape=plaintext, label=\"{} namespace{}, {} process{} below\"];\n",
                     node_name(ns.id), namespaces, namespaces == 1 ? "" : "s", processes,
                     processes == 1 ? "" : "es");
      fmt::format_to(it, "  {} -> {}_cut [style=dotted];\n", node_name(ns.id), node_name(ns.id));
    }
  }

  const NamespaceGraph& graph_;
  const View& view_;
  const RenderOptions& options_;
  std::string& out_;
};

}  // namespace

void render_dot(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                std::string& out) {
  DotRenderer(graph, view, options, out).digraph();
}

}  // namespace pidns
