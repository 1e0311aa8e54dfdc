// render_json: the namespace forest as one JSON document (schema 1, documented in the man page
// and in doc/pidns-tree.schema.json).
#include <nlohmann/json.hpp>

#include "render.hpp"

namespace pidns {
namespace {

using Json = nlohmann::ordered_json;

// Bumped whenever a key changes meaning or goes away; new keys may appear without a bump.
constexpr int kSchemaVersion = 1;

Json id_json(const NsId& id) { return Json{{"dev", id.dev}, {"ino", id.ino}}; }

const char* relation_name(ProcfsView::Relation r) {
  switch (r) {
    case ProcfsView::Relation::Same:
      return "same";
    case ProcfsView::Relation::Ancestor:
      return "ancestor";
    case ProcfsView::Relation::Descendant:
      return "descendant";
    case ProcfsView::Relation::Unrelated:
      return "unrelated";
    case ProcfsView::Relation::Unknown:
      break;
  }
  return "unknown";
}

const char* pin_kind(Pin::Kind k) {
  switch (k) {
    case Pin::Kind::Fd:
      return "fd";
    case Pin::Kind::Mount:
      return "mount";
    case Pin::Kind::Children:
      return "pid_for_children";
  }
  return "";
}

class JsonRenderer {
 public:
  JsonRenderer(const NamespaceGraph& graph, const View& view, const RenderOptions& options)
      : graph_(graph), view_(view), options_(options) {}

  Json document() {
    Json tops = Json::array();
    for (const NsId& top : view_.tops) tops.push_back(namespace_json(graph_.at(top), 0));
    const ProcfsView& procfs = graph_.procfs();
    return Json{{"schema", kSchemaVersion},
                {"proc", graph_.proc_root()},
                {"procfs",
                 {{"ns", procfs.ns ? id_json(*procfs.ns) : Json(nullptr)},
                  {"relation", relation_name(procfs.relation)},
                  {"levels", procfs.levels}}},
                {"summary",
                 {{"namespaces", graph_.namespace_count()},
                  {"processes", graph_.process_count()},
                  {"inaccessible", graph_.inaccessible().size()},
                  {"malformed", graph_.malformed().size()},
                  {"vanished", graph_.vanished()},
                  {"tops", graph_.roots().size()}}},
                {"pidns", std::move(tops)}};
  }

 private:
  Json process_json(const NsNode& ns, const ProcessForest& forest, std::size_t index) {
    const Process& p = ns.processes[index];
    Json j{{"pid", p.pid},          {"nstgid", p.status.nstgid}, {"name", p.status.name},
           {"ppid", p.status.ppid}, {"uid", p.status.uid},       {"threads", p.status.threads}};
    if (p.children_ns) {
      j["children_ns"] = id_json(*p.children_ns);
    } else if (p.children_pending) {
      j["children_ns"] = "pending";
    }
    if (view_.marked.contains(p.pid)) j["selected"] = true;
    if (options_.ptree) {
      Json kids = Json::array();
      for (std::size_t k : forest.children[index]) kids.push_back(process_json(ns, forest, k));
      j["children"] = std::move(kids);
    }
    return j;
  }

  Json owner_json(const NsNode& ns) {
    if (!ns.owner) return nullptr;
    Json j{{"userns", id_json(ns.owner->userns)}, {"uid", ns.owner->uid}};
    auto name = options_.user_names.find(ns.owner->uid);
    j["user"] = name == options_.user_names.end() ? Json(nullptr) : Json(name->second);
    return j;
  }

  Json namespace_json(const NsNode& ns, int depth) {
    Json j{{"dev", ns.id.dev},
           {"ino", ns.id.ino},
           {"label", ns_label(ns.id)},
           {"level", ns.level},
           {"hidden", ns.hidden},
           {"current", ns.current},
           {"parent_inferred", ns.parent_inferred},
           {"init", ns.init ? Json(*ns.init) : Json(nullptr)},
           {"process_count", ns.processes.size()},
           {"thread_count", ns.threads}};
    if (ns.unique_id) j["unique_id"] = *ns.unique_id;
    j["owner"] = owner_json(ns);
    j["container"] = ns.container ? Json{{"engine", ns.container->engine},
                                         {"id", ns.container->id},
                                         {"pod_uid", ns.container->pod_uid}}
                                  : Json(nullptr);
    Json pins = Json::array();
    for (const Pin& pin : ns.pins) {
      Json p{{"kind", pin_kind(pin.kind)}, {"pid", pin.pid}};
      if (pin.kind == Pin::Kind::Fd) p["fd"] = pin.fd;
      if (pin.kind == Pin::Kind::Mount) p["mountpoint"] = pin.mountpoint;
      pins.push_back(std::move(p));
    }
    j["pins"] = std::move(pins);

    bool partial = !view_.shows_processes(ns.id);
    if (partial) j["partial"] = true;
    if (options_.processes && !partial) {
      Json procs = Json::array();
      ProcessForest forest;
      if (options_.ptree) {
        forest = process_forest(ns);
        for (std::size_t i : forest.roots) procs.push_back(process_json(ns, forest, i));
      } else {
        for (std::size_t i = 0; i < ns.processes.size(); ++i) {
          procs.push_back(process_json(ns, forest, i));
        }
      }
      j["processes"] = std::move(procs);
    }

    Json children = Json::array();
    bool cut = view_.max_depth && depth >= *view_.max_depth;
    bool any_child = false;
    for (const NsId& c : ns.children) {
      if (!view_.shows_child(ns.id, c)) continue;
      any_child = true;
      if (!cut) children.push_back(namespace_json(graph_.at(c), depth + 1));
    }
    if (cut && any_child) {
      auto [namespaces, processes] = count_cut(graph_, view_, ns.id);
      j["cut"] = Json{{"namespaces", namespaces}, {"processes", processes}};
    }
    j["children"] = std::move(children);
    return j;
  }

  const NamespaceGraph& graph_;
  const View& view_;
  const RenderOptions& options_;
};

}  // namespace

void render_json(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                 std::string& out) {
  out += JsonRenderer(graph, view, options)
             .document()
             .dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
  out += '\n';
}

void render_translation_json(pid_t pid, const NsId& target, std::optional<pid_t> translated,
                             std::string& out) {
  Json ns = id_json(target);
  ns["label"] = ns_label(target);
  Json doc{{"pid", pid},
           {"ns", std::move(ns)},
           {"translated", translated ? Json(*translated) : Json(nullptr)}};
  out += doc.dump(2);
  out += '\n';
}

}  // namespace pidns
