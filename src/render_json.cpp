// render_json: the namespace forest as one JSON document (schema 1, documented in the man page
// and in man/pidns-tree.schema.json).
#include <nlohmann/json.hpp>

#include "render.hpp"

namespace pidns {
namespace {

using Json = nlohmann::ordered_json;

// Bumped whenever a key changes meaning or goes away; new keys may appear without a bump.
constexpr int kSchemaVersion = 1;

Json process_json(const Process& p) {
  return Json{{"pid", p.pid},
              {"nstgid", p.status.nstgid},
              {"name", p.status.name},
              {"ppid", p.status.ppid},
              {"uid", p.status.uid},
              {"threads", p.status.threads}};
}

Json namespace_json(const NamespaceGraph& graph, const NsNode& ns, const RenderOptions& options) {
  Json j{{"dev", ns.id.dev},
         {"ino", ns.id.ino},
         {"label", ns_label(ns.id)},
         {"level", ns.level},
         {"hidden", ns.hidden},
         {"current", ns.current},
         {"init", ns.init ? Json(*ns.init) : Json(nullptr)},
         {"process_count", ns.processes.size()},
         {"thread_count", ns.threads}};
  if (options.processes) {
    Json procs = Json::array();
    for (const Process& p : ns.processes) procs.push_back(process_json(p));
    j["processes"] = std::move(procs);
  }
  Json children = Json::array();
  for (const NsId& c : ns.children) children.push_back(namespace_json(graph, graph.at(c), options));
  j["children"] = std::move(children);
  return j;
}

}  // namespace

void render_json(const NamespaceGraph& graph, const RenderOptions& options, std::string& out) {
  Json roots = Json::array();
  for (const NsId& r : graph.roots()) roots.push_back(namespace_json(graph, graph.at(r), options));
  Json doc{{"schema", kSchemaVersion},
           {"proc", graph.proc_root()},
           {"summary",
            {{"namespaces", graph.namespace_count()},
             {"processes", graph.process_count()},
             {"inaccessible", graph.inaccessible().size()},
             {"malformed", graph.malformed().size()},
             {"vanished", graph.vanished()}}},
           {"pidns", std::move(roots)}};
  out += doc.dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  out += '\n';
}

}  // namespace pidns
