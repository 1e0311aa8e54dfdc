// render_text: the namespace forest as an indented tree.
#include <fmt/format.h>

#include <iterator>
#include <utility>

#include "output/render.hpp"
#include "output/term.hpp"
#include "output/walk.hpp"

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

class TextRenderer final : public Visitor {
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
    walk(graph_, view_, options_.walk, *this);
  }

  void enter_namespace(const NsNode& ns, const Place& at) override {
    open_row(at);
    namespace_line(ns);
  }
  void leave_namespace(const NsNode&) override { close_row(); }
  void enter_process(const NsNode& ns, const Process& p, const Place& at) override {
    open_row(at);
    process_line(ns, p);
  }
  void leave_process(const NsNode&, const Process&) override { close_row(); }
  void kernel_threads(const NsNode&, std::size_t count, const Place& at) override {
    leaf_row(at);
    fmt::format_to(std::back_inserter(out_), "{} kernel thread{} (--kernel-threads lists {})",
                   count, plural(count), count == 1 ? "it" : "them");
    end_line();
  }
  void cut(const NsNode&, std::size_t namespaces, std::size_t processes, const Place& at) override {
    leaf_row(at);
    fmt::format_to(std::back_inserter(out_),
                   "{} {} namespace{} with {} process{} below (--max-depth {})", glyphs_.ellipsis,
                   namespaces, plural(namespaces), processes, processes == 1 ? "" : "es",
                   view_.max_depth.value_or(0));
    end_line();
  }

 private:
  // A row that has rows below it: its branch glyph, and the column its children draw under it.
  void open_row(const Place& at) {
    kept_.push_back(prefix_.size());
    if (at.top) return;
    out_ += prefix_;
    out_ += at.last ? glyphs_.last : glyphs_.branch;
    prefix_ += at.last ? glyphs_.space : glyphs_.pipe;
  }
  void close_row() {
    prefix_.resize(kept_.back());
    kept_.pop_back();
  }
  void leaf_row(const Place& at) {
    out_ += prefix_;
    out_ += at.last ? glyphs_.last : glyphs_.branch;
  }

  void paint(std::string_view text, const char* sgr) {
    pidns::paint(out_, text, sgr, options_.color);
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
    paint(ns_label(ns.id), ns.hidden() ? sgr::kHidden : sgr::kNamespace);
    fmt::format_to(it, " level {}, ", ns.level);
    if (ns.hidden()) {
      out_ += ns.all_members_seen ? "no processes" : "no visible processes";
    } else {
      std::size_t n = ns.processes.size();
      fmt::format_to(it, "{} process{}, {} thread{}", n, n == 1 ? "" : "es", ns.threads,
                     plural(ns.threads));
    }
    if (ns.ns_inferred() && ns.init) fmt::format_to(it, ", init {}", *ns.init);
    if (options_.labels && ns.container) {
      out_ += " [";
      paint(escape_for_terminal(ns.container->text()), sgr::kContainer);
      out_ += ']';
    }
    if (options_.owner) out_ += ", " + escape_for_terminal(owner_text(ns, options_.user_names));
    if (options_.unique_id && ns.unique_id) fmt::format_to(it, ", id {}", *ns.unique_id);
    if (std::string held = held_by_text(ns); !held.empty()) {
      out_ += ", held by ";
      out_ += escape_for_terminal(held);
    }
    if (ns.hidden()) {
      out_ += ' ';
      paint("(hidden)", sgr::kHidden);
    }
    if (ns.parent_inferred) out_ += " (parent inferred)";
    if (ns.ns_inferred()) out_ += " (inferred)";
    if (ns.current) {
      out_ += ' ';
      paint("(current)", sgr::kCurrent);
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
      paint("(init)", sgr::kMark);
    }
    if (p.children_ns) {
      fmt::format_to(it, "  children in {}", ns_label(*p.children_ns));
    } else if (p.children_pending) {
      out_ += "  children in a new namespace, not yet started";
    }
    if (view_.marked.contains(p.pid)) {
      out_ += "  ";
      paint("(selected)", sgr::kCurrent);
    }
    end_line();
  }

  void end_line() {
    out_ += '\n';
    if (options_.spill) options_.spill(out_);
  }

  const NamespaceGraph& graph_;
  const View& view_;
  const RenderOptions& options_;
  const Glyphs& glyphs_;
  std::string& out_;
  std::string prefix_;             // the columns drawn left of the current row's children
  std::vector<std::size_t> kept_;  // prefix_'s length before each open row
};

}  // namespace

void render_text(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                 std::string& out) {
  TextRenderer(graph, view, options, out).forest();
}

}  // namespace pidns
