// render_text: the namespace forest as an indented tree.
#include <fmt/format.h>

#include <iterator>
#include <utility>

#include "render.hpp"
#include "term.hpp"

namespace pidns {
namespace {

struct Glyphs {
  const char* branch;  // a child with siblings after it
  const char* last;    // the last child
  const char* pipe;    // the column under a branch
  const char* space;   // the column under the last child
  const char* ellipsis;
};
constexpr Glyphs kUnicode{"├── ", "└── ", "│   ", "    ", "…"};
constexpr Glyphs kAscii{"|-- ", "`-- ", "|   ", "    ", "..."};

// SGR sequences, used only on labels and markers.
constexpr const char* kNsColor = "\x1b[1;34m";
constexpr const char* kHiddenColor = "\x1b[2;34m";
constexpr const char* kMarkColor = "\x1b[32m";
constexpr const char* kCurrentColor = "\x1b[1;33m";
constexpr const char* kLabelColor = "\x1b[36m";
constexpr const char* kReset = "\x1b[0m";

const char* plural(std::size_t n) { return n == 1 ? "" : "s"; }

class TextRenderer {
 public:
  TextRenderer(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
               std::string& out)
      : graph_(graph),
        view_(view),
        options_(options),
        glyphs_(options.unicode ? kUnicode : kAscii),
        out_(out) {}

  void forest() {
    if (options_.procfs_header) procfs_line();
    for (const NsId& top : view_.tops) {
      std::string prefix;
      namespace_line(graph_.at(top));
      body(graph_.at(top), prefix, 0);
    }
  }

 private:
  void paint(std::string_view text, const char* sgr) {
    if (options_.color) {
      out_ += sgr;
      out_ += text;
      out_ += kReset;
    } else {
      out_ += text;
    }
  }

  // "procfs /host/proc: pid:[4026531836], 1 level above pidns-tree's own PID namespace"
  void procfs_line() {
    const ProcfsView& procfs = graph_.procfs();
    auto it = std::back_inserter(out_);
    out_ += "procfs ";
    out_ += escape_for_terminal(graph_.proc_root());
    out_ += ": ";
    if (procfs.ns) fmt::format_to(it, "{}, ", ns_label(*procfs.ns));
    auto levels = [&] { return fmt::format("{} level{}", procfs.levels, plural(procfs.levels)); };
    switch (procfs.relation) {
      case ProcfsView::Relation::Same:
        out_ += "pidns-tree's own PID namespace";
        break;
      case ProcfsView::Relation::Ancestor:
        fmt::format_to(it, "{} above pidns-tree's own PID namespace", levels());
        break;
      case ProcfsView::Relation::Descendant:
        fmt::format_to(it, "{} below pidns-tree's own PID namespace", levels());
        break;
      case ProcfsView::Relation::Unrelated:
        out_ += "neither above nor below pidns-tree's own PID namespace";
        break;
      case ProcfsView::Relation::Unknown:
        out_ += "a PID namespace that could not be placed";
        break;
    }
    end_line();
  }

  void namespace_line(const NsNode& ns) {
    auto it = std::back_inserter(out_);
    paint(ns_label(ns.id), ns.hidden() ? kHiddenColor : kNsColor);
    fmt::format_to(it, " level {}, ", ns.level);
    if (ns.hidden()) {
      out_ += ns.all_members_seen ? "no processes" : "no visible processes";
    } else {
      std::size_t n = ns.processes.size();
      fmt::format_to(it, "{} process{}, {} thread{}", n, n == 1 ? "" : "es", ns.threads,
                     plural(ns.threads));
    }
    if (options_.labels && ns.container) {
      out_ += " [";
      paint(escape_for_terminal(ns.container->text()), kLabelColor);
      out_ += ']';
    }
    if (options_.owner) {
      if (ns.owner) {
        fmt::format_to(it, ", owner uid {}", ns.owner->uid);
        auto name = options_.user_names.find(ns.owner->uid);
        if (name != options_.user_names.end()) {
          fmt::format_to(it, " ({})", escape_for_terminal(name->second));
        }
        fmt::format_to(it, " of user:[{}]", ns.owner->userns.ino);
      } else {
        out_ += ", owner not visible";
      }
    }
    if (options_.unique_id && ns.unique_id) fmt::format_to(it, ", id {}", *ns.unique_id);
    bool first_pin = true;
    for (const Pin& pin : ns.pins) {
      // A member's "children in pid:[X]" already says this of a namespace with members.
      if (pin.kind == Pin::Kind::Children && !ns.hidden()) continue;
      out_ += std::exchange(first_pin, false) ? ", held by " : " and ";
      out_ += escape_for_terminal(pin_text(pin));
    }
    if (ns.hidden()) {
      out_ += ' ';
      paint("(hidden)", kHiddenColor);
    }
    if (ns.parent_inferred) out_ += " (parent inferred)";
    if (ns.current) {
      out_ += ' ';
      paint("(current)", kCurrentColor);
    }
    end_line();
  }

  void process_line(const NsNode& ns, const Process& p) {
    auto it = std::back_inserter(out_);
    fmt::format_to(it, "{} ", p.pid);
    out_ += escape_for_terminal(p.status.name);
    fmt::format_to(it, "  nstgid={}", fmt::join(p.status.nstgid, "/"));
    if (ns.init == p.pid) {
      out_ += "  ";
      paint("(init)", kMarkColor);
    }
    if (p.children_ns) {
      fmt::format_to(it, "  children in {}", ns_label(*p.children_ns));
    } else if (p.children_pending) {
      out_ += "  children in a new namespace, not yet started";
    }
    if (view_.marked.contains(p.pid)) {
      out_ += "  ";
      paint("(selected)", kCurrentColor);
    }
    end_line();
  }

  void end_line() {
    out_ += '\n';
    if (options_.spill) options_.spill(out_);
  }

  // One row under a namespace: a process (with its process subtree when --ptree), a child
  // namespace, or the note that says what --max-depth left out.
  struct Row {
    enum class Kind { Process, Namespace, Cut } kind;
    std::size_t index = 0;  // into ns.processes, or the children drawn
  };

  // Everything under `ns`: its processes, then its child namespaces.
  void body(const NsNode& ns, std::string& prefix, int depth) {
    std::vector<Row> rows;
    ProcessForest forest;
    if (options_.processes && view_.shows_processes(ns.id)) {
      if (options_.ptree) {
        forest = process_forest(ns);
        for (std::size_t i : forest.roots) rows.push_back({Row::Kind::Process, i});
      } else {
        for (std::size_t i = 0; i < ns.processes.size(); ++i)
          rows.push_back({Row::Kind::Process, i});
      }
    }
    std::vector<NsId> children = view_.shown_children(ns);
    if (view_.cuts_below(depth) && !children.empty()) {
      rows.push_back({Row::Kind::Cut, 0});
    } else {
      for (std::size_t i = 0; i < children.size(); ++i) rows.push_back({Row::Kind::Namespace, i});
    }

    for (std::size_t r = 0; r < rows.size(); ++r) {
      bool last = r + 1 == rows.size();
      out_ += prefix;
      out_ += last ? glyphs_.last : glyphs_.branch;
      std::size_t keep = prefix.size();
      prefix += last ? glyphs_.space : glyphs_.pipe;
      switch (rows[r].kind) {
        case Row::Kind::Process:
          process_row(ns, forest, rows[r].index, prefix);
          break;
        case Row::Kind::Namespace: {
          const NsNode& child = graph_.at(children[rows[r].index]);
          namespace_line(child);
          body(child, prefix, depth + 1);
          break;
        }
        case Row::Kind::Cut: {
          auto [namespaces, processes] = count_cut(graph_, view_, ns.id);
          fmt::format_to(std::back_inserter(out_),
                         "{} {} namespace{} with {} process{} below (--max-depth {})\n",
                         glyphs_.ellipsis, namespaces, plural(namespaces), processes,
                         processes == 1 ? "" : "es", *view_.max_depth);
          break;
        }
      }
      prefix.resize(keep);
    }
  }

  void process_row(const NsNode& ns, const ProcessForest& forest, std::size_t index,
                   std::string& prefix) {
    process_line(ns, ns.processes[index]);
    if (!options_.ptree) return;
    const std::vector<std::size_t>& kids = forest.children[index];
    for (std::size_t k = 0; k < kids.size(); ++k) {
      bool last = k + 1 == kids.size();
      out_ += prefix;
      out_ += last ? glyphs_.last : glyphs_.branch;
      std::size_t keep = prefix.size();
      prefix += last ? glyphs_.space : glyphs_.pipe;
      process_row(ns, forest, kids[k], prefix);
      prefix.resize(keep);
    }
  }

  const NamespaceGraph& graph_;
  const View& view_;
  const RenderOptions& options_;
  const Glyphs& glyphs_;
  std::string& out_;
};

}  // namespace

std::string pin_text(const Pin& pin) {
  switch (pin.kind) {
    case Pin::Kind::Fd:
      return fmt::format("fd {} of PID {}", pin.fd, pin.pid);
    case Pin::Kind::Mount:
      return fmt::format("mount at {} (PID {})", pin.mountpoint, pin.pid);
    case Pin::Kind::Children:
      return fmt::format("pid_for_children of PID {}", pin.pid);
  }
  return {};
}

void render_text(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                 std::string& out) {
  TextRenderer(graph, view, options, out).forest();
}

}  // namespace pidns
