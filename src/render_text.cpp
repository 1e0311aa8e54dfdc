// render_text: the namespace forest as an indented tree.
#include <fmt/format.h>

#include <iterator>

#include "render.hpp"
#include "term.hpp"

namespace pidns {
namespace {

struct Glyphs {
  const char* branch;  // a child with siblings after it
  const char* last;    // the last child
  const char* pipe;    // the column under a branch
  const char* space;   // the column under the last child
};
constexpr Glyphs kUnicode{"├── ", "└── ", "│   ", "    "};
constexpr Glyphs kAscii{"|-- ", "`-- ", "|   ", "    "};

// SGR sequences, used only on labels and markers.
constexpr const char* kNsColor = "\x1b[1;34m";
constexpr const char* kHiddenColor = "\x1b[2;34m";
constexpr const char* kMarkColor = "\x1b[32m";
constexpr const char* kCurrentColor = "\x1b[1;33m";
constexpr const char* kReset = "\x1b[0m";

class TextRenderer {
 public:
  TextRenderer(const NamespaceGraph& graph, const RenderOptions& options, std::string& out)
      : graph_(graph), options_(options), glyphs_(options.unicode ? kUnicode : kAscii), out_(out) {}

  void forest() {
    for (const NsId& root : graph_.roots()) {
      std::string prefix;
      namespace_line(graph_.at(root));
      children(graph_.at(root), prefix);
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

  void namespace_line(const NsNode& ns) {
    paint(ns_label(ns.id), ns.hidden ? kHiddenColor : kNsColor);
    auto it = std::back_inserter(out_);
    fmt::format_to(it, " level {}, ", ns.level);
    if (ns.hidden) {
      out_ += "no processes ";
      paint("(hidden)", kHiddenColor);
    } else {
      std::size_t n = ns.processes.size();
      fmt::format_to(it, "{} process{}, {} thread{}", n, n == 1 ? "" : "es", ns.threads,
                     ns.threads == 1 ? "" : "s");
    }
    if (ns.current) {
      out_ += ' ';
      paint("(current)", kCurrentColor);
    }
    out_ += '\n';
  }

  void process_line(const NsNode& ns, const Process& p) {
    auto it = std::back_inserter(out_);
    fmt::format_to(it, "{} ", p.pid);
    out_ += escape_for_terminal(p.status.name);
    out_ += "  nstgid=";
    fmt::format_to(it, "{}", fmt::join(p.status.nstgid, "/"));
    if (ns.init == p.pid) {
      out_ += "  ";
      paint("(init)", kMarkColor);
    }
    out_ += '\n';
  }

  // Everything under `ns`: its processes, then its child namespaces.
  void children(const NsNode& ns, std::string& prefix) {
    std::size_t procs = options_.processes ? ns.processes.size() : 0;
    std::size_t total = procs + ns.children.size();
    for (std::size_t i = 0; i < total; ++i) {
      bool last = i + 1 == total;
      out_ += prefix;
      out_ += last ? glyphs_.last : glyphs_.branch;
      if (i < procs) {
        process_line(ns, ns.processes[i]);
        continue;
      }
      const NsNode& child = graph_.at(ns.children[i - procs]);
      namespace_line(child);
      std::size_t keep = prefix.size();
      prefix += last ? glyphs_.space : glyphs_.pipe;
      children(child, prefix);
      prefix.resize(keep);
    }
  }

  const NamespaceGraph& graph_;
  const RenderOptions& options_;
  const Glyphs& glyphs_;
  std::string& out_;
};

}  // namespace

std::string ns_label(const NsId& id) { return fmt::format("pid:[{}]", id.ino); }

void render_text(const NamespaceGraph& graph, const RenderOptions& options, std::string& out) {
  TextRenderer(graph, options, out).forest();
}

}  // namespace pidns
