// render_json: the namespace forest as one JSON document (documented in the man page, the README
// and doc/pidns-tree.schema.json).
#include "output/json_fields.hpp"
#include "output/json_writer.hpp"
#include "output/render.hpp"

namespace pidns {
namespace {

// Bumped whenever a key changes meaning or goes away; new keys may appear without a bump.
constexpr int kSchemaVersion = 2;

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

class JsonRenderer final : public Visitor {
 public:
  JsonRenderer(const NamespaceGraph& graph, const View& view, const RenderOptions& options,
               std::string& out)
      : graph_(graph), view_(view), options_(options), out_(out), w_(out) {}

  void document() {
    w_.begin_object();
    w_.field("schema", kSchemaVersion);
    w_.field("proc", graph_.proc_root());
    procfs_json();
    summary_json();
    w_.key("pidns");
    w_.begin_array();
    WalkOptions walk_all = options_.walk;
    walk_all.kernel_threads = true;  // JSON lists every process; jq can leave some out
    walk(graph_, view_, walk_all, *this);
    w_.end_array();
    w_.end_object();
    out_ += '\n';
  }

  void enter_namespace(const NsNode& ns, const Place&) override {
    w_.begin_object();
    dev_ino_fields(w_, ns.id);
    w_.field("label", ns_label(ns.id));
    w_.field("ns_inferred", ns.ns_inferred());
    w_.field("level", ns.level);
    w_.field("hidden", ns.hidden());
    w_.field("current", ns.current);
    w_.field("parent_inferred", ns.parent_inferred);
    if (!ns.all_members_seen) w_.field("all_members_seen", false);
    w_.field("init", ns.init);
    w_.field("process_count", ns.processes.size());
    w_.field("thread_count", ns.threads);
    w_.field_if("unique_id", ns.unique_id);
    w_.key("owner");
    owner_json(ns);
    w_.key("container");
    container_value(w_, ns.container);
    w_.key("pins");
    pins_json(ns);
    if (!view_.shows_processes(ns.id)) w_.field("partial", true);
  }
  void begin_processes(const NsNode&) override {
    w_.key("processes");
    w_.begin_array();
  }
  void enter_process(const NsNode&, const Process& p, const Place&) override {
    w_.begin_object();
    w_.field("pid", p.pid);
    w_.key("nstgid");
    w_.numbers(p.status.nstgid);
    w_.field("name", p.status.name);
    w_.field("ppid", p.status.ppid);
    w_.field("uid", p.status.uid);
    w_.field("threads", p.status.threads);
    if (p.status.kernel_thread) w_.field("kernel_thread", true);
    if (p.children_ns) {
      w_.key("children_ns");
      ns_id_object(w_, *p.children_ns);
    } else if (p.children_pending) {
      w_.field("children_ns", "pending");
    }
    if (view_.marked.contains(p.pid)) w_.field("selected", true);
    if (options_.walk.ptree) {
      w_.key("children");
      w_.begin_array();
    }
    // On the way in too: with --ptree a process's object closes only after all its descendants,
    // and a user's fork chain would otherwise hold the whole document (its indentation grows
    // with depth: quadratic in the chain's length).
    if (options_.spill) options_.spill(out_);
  }
  void leave_process(const NsNode&, const Process&) override {
    if (options_.walk.ptree) w_.end_array();
    w_.end_object();
    if (options_.spill) options_.spill(out_);
  }
  void end_processes(const NsNode&) override { w_.end_array(); }
  void kernel_threads(const NsNode&, std::size_t, const Place&) override {}  // all are listed
  void cut(const NsNode&, std::size_t namespaces, std::size_t processes, const Place&) override {
    w_.key("cut");
    w_.begin_object();
    w_.field("namespaces", namespaces);
    w_.field("processes", processes);
    w_.end_object();
  }
  void begin_children(const NsNode&) override {
    w_.key("children");
    w_.begin_array();
  }
  void end_children(const NsNode&) override { w_.end_array(); }
  void leave_namespace(const NsNode&) override { w_.end_object(); }

 private:
  void procfs_json() {
    const ProcfsView& procfs = graph_.procfs();
    w_.key("procfs");
    w_.begin_object();
    w_.key("ns");
    if (procfs.ns) {
      ns_id_object(w_, *procfs.ns);
    } else {
      w_.null();
    }
    w_.field("relation", relation_name(procfs.relation));
    w_.field("levels", procfs.levels);
    w_.end_object();
  }

  void summary_json() {
    w_.key("summary");
    w_.begin_object();
    w_.field("namespaces", graph_.namespace_count());
    w_.field("processes", graph_.process_count());
    w_.field("inaccessible", graph_.inaccessible().size());
    w_.field("inferred", graph_.inferred());
    w_.field("malformed", graph_.malformed().size());
    w_.field("vanished", graph_.vanished());
    w_.field("tops", graph_.roots().size());
    w_.end_object();
  }

  void owner_json(const NsNode& ns) {
    if (!ns.owner) {
      w_.null();
      return;
    }
    w_.begin_object();
    w_.key("userns");
    ns_id_object(w_, ns.owner->userns);
    w_.field("uid", ns.owner->uid);
    w_.key("user");
    auto name = options_.user_names.find(ns.owner->uid);
    if (name == options_.user_names.end()) {
      w_.null();
    } else {
      w_.string(name->second);
    }
    w_.end_object();
  }

  void pins_json(const NsNode& ns) {
    w_.begin_array();
    for (const Pin& pin : ns.pins) {
      w_.begin_object();
      w_.field("kind", pin_kind(pin.kind));
      w_.field("pid", pin.pid);
      if (pin.kind == Pin::Kind::Fd) w_.field("fd", pin.fd);
      if (pin.kind == Pin::Kind::Mount) w_.field("mountpoint", pin.mountpoint);
      w_.end_object();
    }
    w_.end_array();
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
}

void render_translation_json(pid_t pid, const NsId& target, std::optional<pid_t> translated,
                             std::string& out) {
  JsonWriter w(out);
  w.begin_object();
  w.field("pid", pid);
  w.key("ns");
  w.begin_object();
  ns_id_fields(w, target);
  w.field("label", ns_label(target));
  w.end_object();
  w.field("translated", translated);
  w.end_object();
  out += '\n';
}

}  // namespace pidns
