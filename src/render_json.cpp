// render_json: the namespace forest as one JSON document (schema 1, documented in the man page
// and in doc/pidns-tree.schema.json).
#include "json_writer.hpp"
#include "render.hpp"

namespace pidns {
namespace {

// Bumped whenever a key changes meaning or goes away; new keys may appear without a bump.
constexpr int kSchemaVersion = 1;

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

void id_json(JsonWriter& w, const NsId& id) {
  w.begin_object();
  w.key("dev");
  w.number(id.dev);
  w.key("ino");
  w.number(id.ino);
  w.end_object();
}

class JsonRenderer {
 public:
  JsonRenderer(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
               std::string& out)
      : graph_(graph), view_(view), options_(options), out_(out), w_(out) {}

  void document() {
    const ProcfsView& procfs = graph_.procfs();
    w_.begin_object();
    w_.key("schema");
    w_.number(kSchemaVersion);
    w_.key("proc");
    w_.string(graph_.proc_root());
    w_.key("procfs");
    w_.begin_object();
    w_.key("ns");
    if (procfs.ns) {
      id_json(w_, *procfs.ns);
    } else {
      w_.null();
    }
    w_.key("relation");
    w_.string(relation_name(procfs.relation));
    w_.key("levels");
    w_.number(procfs.levels);
    w_.end_object();
    w_.key("summary");
    w_.begin_object();
    w_.key("namespaces");
    w_.number(graph_.namespace_count());
    w_.key("processes");
    w_.number(graph_.process_count());
    w_.key("inaccessible");
    w_.number(graph_.inaccessible().size());
    w_.key("malformed");
    w_.number(graph_.malformed().size());
    w_.key("vanished");
    w_.number(graph_.vanished());
    w_.key("tops");
    w_.number(graph_.roots().size());
    w_.end_object();
    w_.key("pidns");
    w_.begin_array();
    for (const NsId& top : view_.tops) namespace_json(graph_.at(top), 0);
    w_.end_array();
    w_.end_object();
  }

 private:
  void process_json(const NsNode& ns, const ProcessForest& forest, std::size_t index) {
    const Process& p = ns.processes[index];
    w_.begin_object();
    w_.key("pid");
    w_.number(p.pid);
    w_.key("nstgid");
    w_.numbers(p.status.nstgid);
    w_.key("name");
    w_.string(p.status.name);
    w_.key("ppid");
    w_.number(p.status.ppid);
    w_.key("uid");
    w_.number(p.status.uid);
    w_.key("threads");
    w_.number(p.status.threads);
    if (p.children_ns) {
      w_.key("children_ns");
      id_json(w_, *p.children_ns);
    } else if (p.children_pending) {
      w_.key("children_ns");
      w_.string("pending");
    }
    if (view_.marked.contains(p.pid)) {
      w_.key("selected");
      w_.boolean(true);
    }
    if (options_.ptree) {
      w_.key("children");
      w_.begin_array();
      for (std::size_t k : forest.children[index]) process_json(ns, forest, k);
      w_.end_array();
    }
    w_.end_object();
    if (options_.spill) options_.spill(out_);
  }

  void owner_json(const NsNode& ns) {
    if (!ns.owner) {
      w_.null();
      return;
    }
    w_.begin_object();
    w_.key("userns");
    id_json(w_, ns.owner->userns);
    w_.key("uid");
    w_.number(ns.owner->uid);
    w_.key("user");
    auto name = options_.user_names.find(ns.owner->uid);
    if (name == options_.user_names.end()) {
      w_.null();
    } else {
      w_.string(name->second);
    }
    w_.end_object();
  }

  void container_json(const NsNode& ns) {
    if (!ns.container) {
      w_.null();
      return;
    }
    w_.begin_object();
    w_.key("engine");
    w_.string(ns.container->engine);
    w_.key("id");
    w_.string(ns.container->id);
    w_.key("pod_uid");
    w_.string(ns.container->pod_uid);
    w_.key("containerd_namespace");
    w_.string(ns.container->containerd_namespace);
    const ContainerNames& names = ns.container->names;
    w_.key("name");
    w_.string(names.name);
    w_.key("pod_name");
    w_.string(names.pod_name);
    w_.key("pod_namespace");
    w_.string(names.pod_namespace);
    w_.key("compose_project");
    w_.string(names.compose_project);
    w_.key("compose_service");
    w_.string(names.compose_service);
    w_.end_object();
  }

  void pins_json(const NsNode& ns) {
    w_.begin_array();
    for (const Pin& pin : ns.pins) {
      w_.begin_object();
      w_.key("kind");
      w_.string(pin_kind(pin.kind));
      w_.key("pid");
      w_.number(pin.pid);
      if (pin.kind == Pin::Kind::Fd) {
        w_.key("fd");
        w_.number(pin.fd);
      }
      if (pin.kind == Pin::Kind::Mount) {
        w_.key("mountpoint");
        w_.string(pin.mountpoint);
      }
      w_.end_object();
    }
    w_.end_array();
  }

  void namespace_json(const NsNode& ns, int depth) {
    w_.begin_object();
    w_.key("dev");
    w_.number(ns.id.dev);
    w_.key("ino");
    w_.number(ns.id.ino);
    w_.key("label");
    w_.string(ns_label(ns.id));
    w_.key("level");
    w_.number(ns.level);
    w_.key("hidden");
    w_.boolean(ns.hidden());
    w_.key("current");
    w_.boolean(ns.current);
    w_.key("parent_inferred");
    w_.boolean(ns.parent_inferred);
    w_.key("init");
    if (ns.init) {
      w_.number(*ns.init);
    } else {
      w_.null();
    }
    w_.key("process_count");
    w_.number(ns.processes.size());
    w_.key("thread_count");
    w_.number(ns.threads);
    if (ns.unique_id) {
      w_.key("unique_id");
      w_.number(*ns.unique_id);
    }
    w_.key("owner");
    owner_json(ns);
    w_.key("container");
    container_json(ns);
    w_.key("pins");
    pins_json(ns);

    bool partial = !view_.shows_processes(ns.id);
    if (partial) {
      w_.key("partial");
      w_.boolean(true);
    }
    if (options_.processes && !partial) {
      w_.key("processes");
      w_.begin_array();
      if (options_.ptree) {
        ProcessForest forest = process_forest(ns);
        for (std::size_t i : forest.roots) process_json(ns, forest, i);
      } else {
        ProcessForest none;
        for (std::size_t i = 0; i < ns.processes.size(); ++i) process_json(ns, none, i);
      }
      w_.end_array();
    }

    std::vector<NsId> children = view_.shown_children(ns);
    bool cut = view_.cuts_below(depth) && !children.empty();
    if (cut) {
      auto [namespaces, processes] = count_cut(graph_, view_, ns.id);
      w_.key("cut");
      w_.begin_object();
      w_.key("namespaces");
      w_.number(namespaces);
      w_.key("processes");
      w_.number(processes);
      w_.end_object();
    }
    w_.key("children");
    w_.begin_array();
    if (!cut) {
      for (const NsId& c : children) namespace_json(graph_.at(c), depth + 1);
    }
    w_.end_array();
    w_.end_object();
  }

  const NamespaceGraph& graph_;
  const View& view_;
  const RenderOptions& options_;
  std::string& out_;
  JsonWriter w_;
};

}  // namespace

void render_json(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
                 std::string& out) {
  JsonRenderer(graph, view, options, out).document();
  out += '\n';
}

void render_translation_json(pid_t pid, const NsId& target, std::optional<pid_t> translated,
                             std::string& out) {
  JsonWriter w(out);
  w.begin_object();
  w.key("pid");
  w.number(pid);
  w.key("ns");
  w.begin_object();
  w.key("dev");
  w.number(target.dev);
  w.key("ino");
  w.number(target.ino);
  w.key("label");
  w.string(ns_label(target));
  w.end_object();
  w.key("translated");
  if (translated) {
    w.number(*translated);
  } else {
    w.null();
  }
  w.end_object();
  out += '\n';
}

}  // namespace pidns
