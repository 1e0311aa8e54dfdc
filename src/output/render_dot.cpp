// render_dot: the namespace forest as a Graphviz digraph, for `dot -Tsvg`.
#include <fmt/format.h>

#include <iterator>

#include "output/render.hpp"
#include "output/term.hpp"
#include "output/walk.hpp"

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

// An inferred namespace has no inode: it is named by its init's PID.
std::string node_name(const NsId& id) {
  return id.is_inferred() ? fmt::format("ns_inferred_{}", id.ino)
                          : fmt::format("ns_{}_{}", id.dev, id.ino);
}

// Namespaces are boxes (bold: pidns-tree's own; dashed: no process of its own), processes
// ellipses (bold: an init; green: selected with --pid) joined to their namespace, or with
// --ptree to their parent process; what --max-depth cuts and kernel threads left out are plain
// text. Edges into a namespace are drawn after its subtree, as the text draws it.
class DotRenderer final : public Visitor {
 public:
  DotRenderer(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
              std::string& out)
      : graph_(graph), view_(view), options_(options), out_(out) {}

  void digraph() {
    out_ += "digraph pidns {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n";
    walk(graph_, view_, options_.walk, *this);
    out_ += "}\n";
  }

  void enter_namespace(const NsNode& ns, const Place&) override {
    std::string label = fmt::format("{}\\nlevel {}\\n", ns_label(ns.id), ns.level);
    if (ns.hidden()) {
      label += ns.all_members_seen ? "hidden: no processes" : "hidden: no visible processes";
    } else {
      label += fmt::format("{} process{}, {} thread{}", ns.processes.size(),
                           ns.processes.size() == 1 ? "" : "es", ns.threads, plural(ns.threads));
    }
    if (ns.ns_inferred() && ns.init) label += fmt::format("\\ninit {} (inferred)", *ns.init);
    if (options_.labels && ns.container) label += "\\n" + dot_escape(ns.container->text());
    if (options_.owner) label += "\\n" + dot_escape(owner_text(ns, options_.user_names));
    if (options_.unique_id && ns.unique_id) label += fmt::format("\\nid {}", *ns.unique_id);
    if (std::string held = held_by_text(ns); !held.empty()) {
      label += "\\nheld by " + dot_escape(held);
    }
    fmt::format_to(std::back_inserter(out_), "  {} [shape=box, style=\"{}\", label=\"{}\"];\n",
                   node_name(ns.id), ns.current ? "bold" : (ns.hidden() ? "dashed" : "solid"),
                   label);
    namespaces_.push_back(ns.id);
  }
  void leave_namespace(const NsNode& ns) override {
    namespaces_.pop_back();
    if (namespaces_.empty()) return;
    fmt::format_to(std::back_inserter(out_), "  {} -> {}{};\n", node_name(namespaces_.back()),
                   node_name(ns.id),
                   ns.parent_inferred ? " [style=dashed, label=\"inferred\"]" : "");
  }
  void enter_process(const NsNode& ns, const Process& p, const Place&) override {
    auto it = std::back_inserter(out_);
    bool selected = view_.marked.contains(p.pid);
    std::string style = ns.init == p.pid ? "bold" : "";
    if (selected) style += style.empty() ? "filled" : ",filled";
    fmt::format_to(it, "  p_{} [shape=ellipse{}{}, label=\"{} {}\\n{}{}\"];\n", p.pid,
                   style.empty() ? "" : fmt::format(", style=\"{}\"", style),
                   selected ? ", fillcolor=\"palegreen\"" : "", p.pid, dot_escape(p.status.name),
                   fmt::join(p.status.nstgid, "/"), selected ? "\\n(selected)" : "");
    if (processes_.empty()) {
      fmt::format_to(it, "  {} -> p_{} [arrowhead=none, style=dotted];\n", node_name(ns.id), p.pid);
    } else {
      fmt::format_to(it, "  p_{} -> p_{};\n", processes_.back(), p.pid);
    }
    processes_.push_back(p.pid);
    if (options_.spill) options_.spill(out_);
  }
  void leave_process(const NsNode&, const Process&) override { processes_.pop_back(); }
  void kernel_threads(const NsNode& ns, std::size_t count, const Place&) override {
    fmt::format_to(std::back_inserter(out_),
                   "  {0}_kthreads [shape=plaintext, label=\"{1} kernel thread{2}\"];\n"
                   "  {0} -> {0}_kthreads [arrowhead=none, style=dotted];\n",
                   node_name(ns.id), count, plural(count));
  }
  void cut(const NsNode& ns, std::size_t namespaces, std::size_t processes, const Place&) override {
    fmt::format_to(
        std::back_inserter(out_),
        "  {0}_cut [shape=plaintext, label=\"{1} namespace{2}, {3} process{4} below\"];\n"
        "  {0} -> {0}_cut [style=dotted];\n",
        node_name(ns.id), namespaces, plural(namespaces), processes, processes == 1 ? "" : "es");
  }

 private:
  const NamespaceGraph& graph_;
  const View& view_;
  const RenderOptions& options_;
  std::string& out_;
  std::vector<NsId> namespaces_;  // the namespaces entered, innermost last
  std::vector<pid_t> processes_;  // with --ptree, the process rows entered, innermost last
};

}  // namespace

void render_dot(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                std::string& out) {
  DotRenderer(graph, view, options, out).digraph();
}

}  // namespace pidns
