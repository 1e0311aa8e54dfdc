// watch: the state machine of --watch.
#include "watch/watch.hpp"

#include <algorithm>
#include <unordered_set>

namespace pidns {
namespace {

// Inodes are reused once a namespace is freed; NS_GET_ID's ids never are. Without ids (before
// Linux 6.18) a namespace's init, which never changes, tells a reused inode apart.
bool same_namespace(const WatchedNs& a, const WatchedNs& b) {
  if (a.id != b.id) return false;
  if (a.unique_id && b.unique_id && *a.unique_id != *b.unique_id) return false;
  return !(a.init && b.init && *a.init != *b.init);
}

}  // namespace

const WatchedNs* Watch::known(const NsId& id) const {
  if (auto it = live_.find(id); it != live_.end()) return &it->second.ns;
  for (const auto& [pid, p] : pending_) {
    if (p.ns.id == id) return &p.ns;
  }
  return nullptr;
}

std::vector<WatchedNs> Watch::in_scope(const NamespaceGraph& graph) const {
  std::vector<NsId> tops;
  if (config_.scope.empty()) {
    tops = graph.roots();
  } else {
    for (const NsId& id : config_.scope) {
      if (graph.find(id) != nullptr) tops.push_back(id);
    }
    std::sort(tops.begin(), tops.end());
  }
  std::vector<WatchedNs> found;
  std::unordered_set<NsId, NsIdHash> seen;  // --ns A --ns B with B below A: B once
  std::vector<NsId> todo(tops.rbegin(), tops.rend());
  while (!todo.empty()) {
    NsId id = todo.back();
    todo.pop_back();
    if (!seen.insert(id).second) continue;
    const NsNode& n = graph.at(id);
    WatchedNs ns{n.id, n.unique_id, n.parent, n.level, n.init, std::nullopt, std::nullopt};
    if (n.init) {
      if (const Process* p = graph.process(*n.init)) {
        // An init whose thread group exited ended its namespace, and the kernel killed the
        // namespaces below; procfs shows them only until the init's parent reaps it. A zombie
        // leader with other threads still counted may be one whose group lives on.
        if (!p->status.group_may_live()) continue;
        ns.init_name = p->status.name;
      }
    }
    if (config_.labels) ns.container = n.container;
    found.push_back(std::move(ns));
    todo.insert(todo.end(), n.children.rbegin(), n.children.rend());
  }
  return found;
}

void Watch::add_live(const WatchedNs& ns, std::int64_t since, bool from_exists) {
  live_[ns.id] = Live{ns, since, from_exists};
  if (ns.init) by_init_[*ns.init] = ns.id;
}

void Watch::note_leaders(const NamespaceGraph& graph) {
  for (const auto& [pid, id] : by_init_) {
    const Process* p = graph.process(pid);
    if (p != nullptr && !p->status.live()) {
      leaderless_.insert(pid);
    } else {
      leaderless_.erase(pid);
    }
  }
}

void Watch::start(const NamespaceGraph& graph, std::int64_t now, std::vector<WatchEvent>& out) {
  for (WatchedNs& ns : in_scope(graph)) {
    add_live(ns, now, true);
    out.push_back(WatchEvent{WatchEvent::Kind::Exists, now, std::move(ns), 0, false});
  }
  note_leaders(graph);
}

void Watch::report_gone(const NsId& id, std::int64_t time, std::vector<WatchEvent>& out) {
  if (!live_.contains(id)) return;
  // When an init exits the kernel kills every process of its namespace, those of the namespaces
  // below included, and their inits' exits come first (exit_notify() waits for them in
  // zap_pid_namespace() before proc_exit_connector()). So whatever is still known below is gone
  // too: a namespace seen only as an ancestor, or one whose exit was not heard.
  std::vector<NsId> below;
  for (const auto& [other, l] : live_) {
    if (l.ns.parent == id) below.push_back(other);
  }
  std::sort(below.begin(), below.end());
  for (const NsId& child : below) report_gone(child, time, out);
  auto it = live_.find(id);
  Live& l = it->second;
  if (l.ns.init) {
    auto by = by_init_.find(*l.ns.init);
    if (by != by_init_.end() && by->second == id) {
      by_init_.erase(by);
      leaderless_.erase(*l.ns.init);
    }
  }
  out.push_back(WatchEvent{WatchEvent::Kind::Gone, time, std::move(l.ns),
                           std::max<std::int64_t>(0, time - l.since_ns), l.from_exists});
  live_.erase(it);
}

void Watch::rescan(const NamespaceGraph& graph, std::int64_t now, std::vector<WatchEvent>& out) {
  std::vector<WatchedNs> now_seen = in_scope(graph);
  std::unordered_map<NsId, const WatchedNs*, NsIdHash> by_id;
  for (const WatchedNs& ns : now_seen) by_id.emplace(ns.id, &ns);

  std::vector<std::pair<int, NsId>> gone;  // (level, id): deepest first
  for (auto& [id, l] : live_) {
    auto it = by_id.find(id);
    if (it == by_id.end() || !same_namespace(l.ns, *it->second)) {
      gone.emplace_back(l.ns.level, id);
    } else if (!l.ns.init && it->second->init) {
      l.ns.init = it->second->init;  // seen through a member only now: the same namespace
      l.ns.init_name = it->second->init_name;
      by_init_[*l.ns.init] = id;
    }
  }
  std::sort(gone.begin(), gone.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (const auto& [level, id] : gone) report_gone(id, now, out);

  for (WatchedNs& ns : now_seen) {  // parents first
    if (live_.contains(ns.id)) continue;
    add_live(ns, now, false);
    out.push_back(WatchEvent{WatchEvent::Kind::Created, now, std::move(ns), 0, false});
  }
  note_leaders(graph);
}

void Watch::lost(std::int64_t now, ProcessFacts& facts, std::vector<WatchEvent>& out) {
  std::vector<std::pair<std::int64_t, pid_t>> waiting;
  for (const auto& [pid, p] : pending_) waiting.emplace_back(p.born_ns, pid);
  std::sort(waiting.begin(), waiting.end());
  for (const auto& [born, pid] : waiting) {
    if (pending_.contains(pid)) report_created(pid, true, facts, out);
  }
  out.push_back(WatchEvent{WatchEvent::Kind::Resync, now, {}, 0, false});
}

void Watch::on_event(const ProcEvent& event, ProcessFacts& facts, std::vector<WatchEvent>& out) {
  switch (event.kind) {
    case ProcEvent::Kind::Fork:
      on_fork(event, facts, out);
      break;
    case ProcEvent::Kind::Exec:
      // After de_thread() the exec'ing thread holds the thread-group id, so tgid is the process,
      // and it is the group's leader now.
      leaderless_.erase(event.tgid);
      if (pending_.contains(event.tgid)) report_created(event.tgid, true, facts, out);
      break;
    case ProcEvent::Kind::Exit:
      on_exit(event, facts, out);
      break;
    case ProcEvent::Kind::Ack:
      break;
  }
}

void Watch::on_fork(const ProcEvent& e, ProcessFacts& facts, std::vector<WatchEvent>& out) {
  if (e.pid != e.tgid) return;  // a new thread: no new process, let alone a namespace
  std::optional<ProcStatus> status = facts.status(e.tgid);
  // Innermost PID 1: the init of a new namespace. A child one level below its parent but not
  // numbered 1 joined an existing namespace (after setns(2), or a later child after unshare).
  if (!status || status->exiting || status->nstgid.size() < 2 || status->nstgid.back() != 1) {
    return;
  }
  std::optional<NsFacts> ns = facts.namespace_of(e.tgid);
  if (!ns) return;  // gone already
  if (auto it = live_.find(ns->id); it != live_.end()) {
    if (!it->second.ns.unique_id || !ns->unique_id || *it->second.ns.unique_id == *ns->unique_id) {
      return;  // the initial scan already found it
    }
    report_gone(ns->id, static_cast<std::int64_t>(e.timestamp_ns), out);  // inode reused
  }
  if (known(ns->id) != nullptr) return;
  const WatchedNs* parent = ns->parent ? known(*ns->parent) : nullptr;
  if (!config_.scope.empty() && parent == nullptr) return;  // outside --ns
  WatchedNs w{ns->id,
              ns->unique_id,
              ns->parent,
              parent != nullptr ? parent->level + 1 : static_cast<int>(status->nstgid.size()) - 1,
              e.tgid,
              status->name,
              std::nullopt};
  auto born = static_cast<std::int64_t>(e.timestamp_ns);
  pending_[e.tgid] = Pending{std::move(w), born, born + config_.exec_wait_ns};
}

// The kernel kills a namespace when no thread of its init's group is left alive: exit_notify()
// hands the reaper's role to another live thread first (find_child_reaper() in kernel/exit.c).
// The connector reports each thread's exit after exit_notify(), which releases a thread other
// than the leader at once; the leader stays a zombie while its group lives. A leader seen as a
// zombie is not the end: its threads are looked at, where de_thread() may meanwhile have given
// its PID to the thread that execs (its Threads: may already count one), and a tracer may hold
// zombie threads.
bool Watch::group_lives(pid_t tgid, const WatchedNs& ns, ProcessFacts& facts) {
  std::optional<ProcStatus> st = facts.status(tgid);
  if (!st || st->exiting || st->nstgid.size() < 2 || st->nstgid.back() != 1) return false;
  if (!st->live() && !facts.thread_lives(tgid)) {
    // A thread that execs takes the leader's PID (de_thread(): exchange_tids()), and the old
    // leader is released: between the two looks above it may have moved from its own TID to
    // tgid, unseen by both. Asked once more, tgid names it.
    st = facts.status(tgid);
    if (!st || st->exiting || !st->live()) return false;
  }
  // Still the same init, not a PID reused by the init of a newer namespace.
  std::optional<NsFacts> now = facts.namespace_of(tgid);
  return now && now->id == ns.id &&
         (!now->unique_id || !ns.unique_id || *now->unique_id == *ns.unique_id);
}

void Watch::on_exit(const ProcEvent& e, ProcessFacts& facts, std::vector<WatchEvent>& out) {
  // Each thread's exit is reported. Only the leader's matters, unless it left before the rest.
  if (e.pid != e.tgid && !leaderless_.contains(e.tgid)) return;
  const WatchedNs* ns = nullptr;
  if (auto p = pending_.find(e.tgid); p != pending_.end()) {
    ns = &p->second.ns;
  } else if (auto by = by_init_.find(e.tgid); by != by_init_.end()) {
    ns = &live_.at(by->second).ns;
  } else {
    return;  // no namespace's init
  }
  if (group_lives(e.tgid, *ns, facts)) {
    leaderless_.insert(e.tgid);
    return;
  }
  leaderless_.erase(e.tgid);
  auto time = static_cast<std::int64_t>(e.timestamp_ns);
  if (pending_.contains(e.tgid)) report_created(e.tgid, false, facts, out);
  auto it = by_init_.find(e.tgid);
  if (it != by_init_.end()) report_gone(it->second, time, out);
}

void Watch::report_created(pid_t pid, bool fresh, ProcessFacts& facts,
                           std::vector<WatchEvent>& out) {
  auto it = pending_.find(pid);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  if (p.ns.parent) {  // parents first: an init that exec'd before its creator did
    for (const auto& [other, q] : pending_) {
      if (q.ns.id == *p.ns.parent) {
        report_created(other, true, facts, out);
        break;
      }
    }
  }
  if (fresh) {
    std::optional<ProcStatus> status = facts.status(pid);
    // Still an init: a PID reused meanwhile would hardly be numbered 1 too.
    if (status && !status->exiting && status->nstgid.size() >= 2 && status->nstgid.back() == 1) {
      p.ns.init_name = status->name;
      if (config_.labels) p.ns.container = facts.container(pid);
    }
  }
  add_live(p.ns, p.born_ns, false);
  out.push_back(WatchEvent{WatchEvent::Kind::Created, p.born_ns, std::move(p.ns), 0, false});
}

void Watch::tick(std::int64_t now, ProcessFacts& facts, std::vector<WatchEvent>& out) {
  std::vector<std::pair<std::int64_t, pid_t>> due;
  for (const auto& [pid, p] : pending_) {
    if (p.deadline_ns <= now) due.emplace_back(p.born_ns, pid);
  }
  std::sort(due.begin(), due.end());
  for (const auto& [born, pid] : due) report_created(pid, true, facts, out);
}

std::optional<std::int64_t> Watch::next_deadline() const {
  std::optional<std::int64_t> next;
  for (const auto& [pid, p] : pending_) {
    if (!next || p.deadline_ns < *next) next = p.deadline_ns;
  }
  return next;
}

bool Watch::scope_gone() const {
  if (config_.scope.empty()) return false;
  return std::none_of(config_.scope.begin(), config_.scope.end(),
                      [this](const NsId& id) { return known(id) != nullptr; });
}

}  // namespace pidns
