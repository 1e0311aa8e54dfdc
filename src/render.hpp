// render: a NamespaceGraph in, bytes out. Text (render_text.cpp) and JSON (render_json.cpp).
#pragma once

#include <string>

#include "graph.hpp"

namespace pidns {

/// How the tree is drawn; decided once by the CLI.
struct RenderOptions {
  bool processes = true;  ///< list member processes (--no-pids turns it off)
  bool unicode = true;    ///< box-drawing glyphs; ASCII otherwise
  bool color = false;     ///< ANSI color on labels (text only)
};

/// The indented tree, appended to `out`. Names are escaped with escape_for_terminal().
void render_text(const NamespaceGraph& graph, const RenderOptions& options, std::string& out);

/// One JSON document (schema 1, see man/pidns-tree.1), appended to `out`. Never throws on
/// names that are not UTF-8: their bad bytes become U+FFFD.
void render_json(const NamespaceGraph& graph, const RenderOptions& options, std::string& out);

/// "pid:[4026531836]", as readlink(2) shows the namespace.
[[nodiscard]] std::string ns_label(const NsId& id);

}  // namespace pidns
