// watch/: --watch. The state machine (watch: pure), the kernel's process events (proc_connector:
// a pure codec and its netlink socket), what is read per event (process_facts), and events as
// lines (event_lines). Includes kernel/, names/, model/, scan/ and output/; never app/.
//
// watch: the state machine of --watch. Snapshots and process facts in, namespace events out.
// Pure: the kernel is asked only through ProcessFacts. It keeps state per live namespace (and
// per init that has not exec'd yet), never per process.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kernel/procfs.hpp"
#include "kernel/sys.hpp"
#include "model/graph.hpp"
#include "names/container_label.hpp"
#include "watch/proc_connector.hpp"

namespace pidns {

/// A PID namespace as its events describe it.
struct WatchedNs {
  NsId id;
  std::optional<std::uint64_t> unique_id;  ///< NS_GET_ID (Linux 6.18), where the kernel has it
  std::optional<NsId> parent;              ///< empty at the top of what can be seen
  int level = 0;                           ///< as in the snapshot: 0 is the outermost seen
  std::optional<pid_t> init;               ///< its PID 1, as the scanned procfs numbers it
  std::optional<std::string> init_name;    ///< the init's name, when the init is known
  std::optional<ContainerLabel> container;
  friend bool operator==(const WatchedNs&, const WatchedNs&) = default;
};

/// One event of --watch: one output line.
struct WatchEvent {
  enum class Kind {
    Exists,   ///< present when the watch started
    Created,  ///< born since
    Gone,     ///< its init exited (or a rescan no longer finds it)
    Resync,   ///< events were lost; Created and Gone for what changed follow
  };
  Kind kind = Kind::Exists;
  /// When it happened, CLOCK_MONOTONIC nanoseconds: for Created the init's fork, for Gone its
  /// exit (with the proc connector), else the rescan that found out.
  std::int64_t time_ns = 0;
  WatchedNs ns;  ///< all but Resync
  /// Gone: how long it lived, from its Created event, or from its Exists event (the start of the
  /// watch) when `lived_from_exists`; then it lived at least that long.
  std::int64_t lived_ns = 0;
  bool lived_from_exists = false;
  friend bool operator==(const WatchEvent&, const WatchEvent&) = default;
};

/// A namespace as NS_GET_ID and NS_GET_PARENT describe it.
struct NsFacts {
  NsId id;
  std::optional<std::uint64_t> unique_id;
  std::optional<NsId> parent;  ///< NS_GET_PARENT; empty on EPERM
};

/// What the watch asks the kernel about one process, when an event names it. LinuxProcessFacts
/// (process_facts.hpp) reads procfs; unit tests answer from a table.
class ProcessFacts {
 public:
  virtual ~ProcessFacts() = default;
  /// /proc/PID/status, parsed; nullopt when the process is gone or may not be read.
  [[nodiscard]] virtual std::optional<ProcStatus> status(pid_t pid) = 0;
  /// The PID namespace of the process; nullopt when it is gone or may not be inspected.
  [[nodiscard]] virtual std::optional<NsFacts> namespace_of(pid_t pid) = 0;
  /// The container that /proc/PID/cgroup shows (names/container_label.hpp), with its names
  /// where the host's state files give them; nullopt when there is none, or the process is gone
  /// or may not be read.
  [[nodiscard]] virtual std::optional<ContainerLabel> container(pid_t pid) = 0;
  /// Whether a thread of process `tgid`, its leader or another, is alive, neither a zombie nor
  /// dead (/proc/TGID/task/*/status); false when the process is gone or may not be read.
  [[nodiscard]] virtual bool thread_lives(pid_t tgid) = 0;
};

struct WatchConfig {
  bool labels = true;            ///< read each new init's cgroup for its container label
  std::vector<NsId> scope = {};  ///< --ns: only these namespaces and their descendants; empty: all
  /// How long a new namespace waits for its init's first exec before it is reported anyway: at
  /// fork the init still has its creator's name (a runtime's, such as runc:[2:INIT]) and may
  /// not be in its final cgroup yet.
  std::int64_t exec_wait_ns = 1'000'000'000;
};

/// The namespaces alive, and the events that change them.
///
/// With the proc connector: a forked process (not a thread) whose innermost NStgid is 1 is the
/// init of a new namespace. It is reported Created at its first exec, when its name and cgroup
/// are final, at its exit if it never exec'd, or when WatchConfig::exec_wait_ns ran out; the
/// event's time is the fork's. A namespace lives while its init's thread group has a live
/// thread: the exit of the last one ends it, and the kernel kills every other member
/// (pid_namespaces(7)). The init's leader may exit before the group does (pthread_exit() in
/// main, or de_thread() when another thread execs); then the exits of its other threads are
/// watched, and the namespace ends at the exit after which none is left. When events are read
/// late, that is the first exit read after the group ended.
class Watch {
 public:
  explicit Watch(WatchConfig config) : config_(std::move(config)) {}

  /// The first snapshot: one Exists event per namespace in scope, parents before children.
  void start(const NamespaceGraph& graph, std::int64_t now, std::vector<WatchEvent>& out);
  /// A later snapshot (each poll without the connector, or after lost events): Gone for the
  /// namespaces it no longer has (deepest first), Created for the new ones (parents first).
  void rescan(const NamespaceGraph& graph, std::int64_t now, std::vector<WatchEvent>& out);
  /// The connector lost events: inits waiting for their exec are reported Created now, then a
  /// Resync event; a rescan() must follow.
  void lost(std::int64_t now, ProcessFacts& facts, std::vector<WatchEvent>& out);
  /// One connector event. Asks `facts` nothing for threads, nor for an exec or exit of a
  /// process that is no namespace's init; one status read for the fork of a process; for the
  /// exit of an init its status and its threads. Only an init whose leader exits before its
  /// group costs more: its namespace too, then the same at each exit of its other threads.
  void on_event(const ProcEvent& event, ProcessFacts& facts, std::vector<WatchEvent>& out);
  /// Reports the inits whose exec wait has run out by `now`.
  void tick(std::int64_t now, ProcessFacts& facts, std::vector<WatchEvent>& out);

  /// When tick() next has work to do, if ever.
  [[nodiscard]] std::optional<std::int64_t> next_deadline() const;
  /// With a scope (--ns): every namespace of it is gone, so nothing more can happen in it.
  [[nodiscard]] bool scope_gone() const;
  /// Namespaces reported and alive.
  [[nodiscard]] std::size_t live_count() const noexcept { return live_.size(); }
  /// New inits waiting for their first exec.
  [[nodiscard]] std::size_t pending_count() const noexcept { return pending_.size(); }

 private:
  struct Live {
    WatchedNs ns;
    std::int64_t since_ns = 0;  // its Created or Exists event
    bool from_exists = false;
  };
  struct Pending {
    WatchedNs ns;
    std::int64_t born_ns = 0;
    std::int64_t deadline_ns = 0;
  };

  void on_fork(const ProcEvent& e, ProcessFacts& facts, std::vector<WatchEvent>& out);
  void on_exit(const ProcEvent& e, ProcessFacts& facts, std::vector<WatchEvent>& out);
  // Reports pending init `pid` Created (its parent first, if that is pending too); `fresh`
  // re-reads its name and cgroup, which only a live process still has.
  void report_created(pid_t pid, bool fresh, ProcessFacts& facts, std::vector<WatchEvent>& out);
  void report_gone(const NsId& id, std::int64_t time, std::vector<WatchEvent>& out);
  // Whether init `tgid` of `ns` still has a live thread, after an exit in its group.
  [[nodiscard]] bool group_lives(pid_t tgid, const WatchedNs& ns, ProcessFacts& facts);
  // Records which inits of `graph` have a zombie leader with other threads.
  void note_leaders(const NamespaceGraph& graph);
  void add_live(const WatchedNs& ns, std::int64_t since, bool from_exists);
  [[nodiscard]] const WatchedNs* known(const NsId& id) const;
  // The namespaces of `graph` in scope, parents before children.
  [[nodiscard]] std::vector<WatchedNs> in_scope(const NamespaceGraph& graph) const;

  WatchConfig config_;
  std::unordered_map<NsId, Live, NsIdHash> live_;
  std::unordered_map<pid_t, NsId> by_init_;  // the live namespaces whose init is known
  std::unordered_map<pid_t, Pending> pending_;
  // Inits (of by_init_ or pending_) whose leader exited while other threads live: the exits of
  // those threads are looked at too.
  std::unordered_set<pid_t> leaderless_;
};

}  // namespace pidns
