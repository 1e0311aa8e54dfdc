// Tests for the --watch state machine, fed with hand-written snapshots and process facts: no
// kernel, no clock.
#include <gtest/gtest.h>

#include <unordered_map>
#include <unordered_set>

#include "fake_source.hpp"
#include "model/graph.hpp"
#include "watch/watch.hpp"

namespace pidns {
namespace {

using testing::FakeSource;
using testing::ns;
using Kind = WatchEvent::Kind;

constexpr std::int64_t kMs = 1'000'000;
const std::string kDockerId(64, 'a');
const std::string kDockerCgroup = "0::/system.slice/docker-" + kDockerId + ".scope\n";

// The kernel's answers about processes, from tables; counts every question.
class FakeFacts final : public ProcessFacts {
 public:
  std::optional<ProcStatus> status(pid_t pid) override {
    ++status_reads;
    auto it = statuses.find(pid);
    std::optional<ProcStatus> read =
        it == statuses.end() ? std::nullopt : std::optional(it->second);
    if (auto race = exec_after_read.find(pid); race != exec_after_read.end()) {
      execs(pid, race->second);
      threads_missed.insert(pid);
      exec_after_read.erase(race);
    }
    return read;
  }
  std::optional<NsFacts> namespace_of(pid_t pid) override {
    ++namespace_reads;
    auto it = namespaces.find(pid);
    return it == namespaces.end() ? std::nullopt : std::optional(it->second);
  }
  std::optional<ContainerLabel> container(pid_t pid) override {
    ++cgroup_reads;
    auto it = cgroups.find(pid);
    return it == cgroups.end() ? std::nullopt : recognise_cgroup(it->second);
  }
  bool thread_lives(pid_t tgid) override {
    ++thread_reads;
    if (threads_missed.erase(tgid) != 0) return false;
    auto it = statuses.find(tgid);
    return live_threads.contains(tgid) || (it != statuses.end() && it->second.live());
  }

  /// A live process named `name` with NStgid `nstgid` in namespace `in`.
  void process(pid_t pid, std::string name, LevelPids nstgid, NsFacts in) {
    ProcStatus st;
    st.name = std::move(name);
    st.nstgid = std::move(nstgid);
    statuses[pid] = st;
    namespaces[pid] = in;
  }
  void gone(pid_t pid) {
    statuses.erase(pid);
    namespaces.erase(pid);
    cgroups.erase(pid);
  }
  void rename(pid_t pid, std::string name) { statuses.at(pid).name = std::move(name); }
  /// Its leader exited: a zombie whose Threads: counts `threads`, `others_live` of them live.
  void leader_exits(pid_t pid, unsigned threads, bool others_live) {
    statuses.at(pid).state = 'Z';
    statuses.at(pid).threads = threads;
    if (others_live) {
      live_threads.insert(pid);
    } else {
      live_threads.erase(pid);
    }
  }
  /// An exec from another thread made it the leader again, with a new name.
  void execs(pid_t pid, std::string name) {
    statuses.at(pid).state = 'S';
    statuses.at(pid).threads = 1;
    statuses.at(pid).name = std::move(name);
    live_threads.erase(pid);
  }
  /// de_thread() races the reads: the next read of `pid`'s status finds the old leader (as it
  /// is now), then the exec'ing thread takes PID `pid` and the new name, and the look at the
  /// threads finds none alive (it listed the exec'ing thread under its old TID, then read the
  /// released old leader there).
  void exec_races_reads(pid_t pid, std::string name) { exec_after_read[pid] = std::move(name); }
  [[nodiscard]] int reads() const {
    return status_reads + namespace_reads + cgroup_reads + thread_reads;
  }

  std::unordered_map<pid_t, ProcStatus> statuses;
  std::unordered_map<pid_t, NsFacts> namespaces;
  std::unordered_map<pid_t, std::string> cgroups;
  std::unordered_set<pid_t> live_threads;  // processes with a live thread besides the leader
  std::unordered_map<pid_t, std::string> exec_after_read;  // exec_races_reads()
  std::unordered_set<pid_t> threads_missed;                // exec_races_reads()
  int thread_reads = 0;
  int status_reads = 0;
  int namespace_reads = 0;
  int cgroup_reads = 0;
};

ProcEvent fork_of(pid_t child, std::int64_t t, pid_t tgid = 0) {
  return ProcEvent{ProcEvent::Kind::Fork,
                   static_cast<std::uint64_t>(t),
                   child,
                   tgid != 0 ? tgid : child,
                   1,
                   0,
                   0};
}
ProcEvent exec_of(pid_t pid, std::int64_t t) {
  return ProcEvent{ProcEvent::Kind::Exec, static_cast<std::uint64_t>(t), pid, pid, 0, 0, 0};
}
ProcEvent exit_of(pid_t pid, std::int64_t t, pid_t tgid = 0) {
  return ProcEvent{
      ProcEvent::Kind::Exit, static_cast<std::uint64_t>(t), pid, tgid != 0 ? tgid : pid, 0, 0, 0};
}

// The host (1) with a shell; a container namespace (2) whose init is 100, with a member; inside
// it a namespace (3) whose init is 200.
NamespaceGraph host_graph() {
  FakeSource src;
  src.process(50, "bash", ns(1), {50}, 1)
      .process(100, "nginx", ns(2), {100, 1}, 50)
      .process(101, "worker", ns(2), {101, 2}, 100)
      .process(200, "sleep", ns(3), {200, 7, 1}, 101)
      .parent(ns(2), ns(1))
      .parent(ns(3), ns(2))
      .self(ns(1));
  src.raw().namespaces[ns(2)].container = recognise_cgroup(kDockerCgroup);
  src.raw().namespaces[ns(2)].unique_id = 22;
  return NamespaceGraph::build(src.scan());
}

std::vector<std::uint64_t> inodes(const std::vector<WatchEvent>& events) {
  std::vector<std::uint64_t> out;
  for (const WatchEvent& e : events) out.push_back(e.ns.id.ino);
  return out;
}

std::vector<Kind> kinds(const std::vector<WatchEvent>& events) {
  std::vector<Kind> out;
  for (const WatchEvent& e : events) out.push_back(e.kind);
  return out;
}

TEST(Watch, StartsWithOneExistsPerNamespaceParentsFirst) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 5 * kMs, out);
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Exists, Kind::Exists, Kind::Exists}));
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{1, 2, 3}));
  const WatchedNs& c = out[1].ns;
  EXPECT_EQ(c.parent, ns(1));
  EXPECT_EQ(c.level, 1);
  EXPECT_EQ(c.init, 100);
  EXPECT_EQ(c.init_name, "nginx");
  EXPECT_EQ(c.unique_id, 22u);
  ASSERT_TRUE(c.container.has_value());
  EXPECT_EQ(c.container->engine, "docker");
  EXPECT_EQ(out[0].ns.init, std::nullopt);  // the host's init is not in this scan
  EXPECT_EQ(out[0].ns.init_name, std::nullopt);
  EXPECT_EQ(out[0].ns.parent, std::nullopt);
  EXPECT_EQ(out[2].ns.level, 2);
  EXPECT_EQ(out[2].time_ns, 5 * kMs);
  EXPECT_EQ(w.live_count(), 3u);
}

TEST(Watch, LeavesLabelsOutWhenAskedTo) {
  Watch w({.labels = false});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  EXPECT_FALSE(out[1].ns.container.has_value());
}

TEST(Watch, ScopeKeepsOnlyTheSubtreeOfItsNamespaces) {
  Watch w({.scope = {ns(2)}});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(w.live_count(), 2u);
}

TEST(Watch, AThreadCostsNoQuestionAndAPlainForkOneStatusRead) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(300, "sh", {300}, {ns(1), std::nullopt, std::nullopt});
  w.on_event(fork_of(301, 1, /*tgid=*/300), facts, out);  // a thread of 300
  EXPECT_EQ(facts.reads(), 0);
  w.on_event(fork_of(300, 1), facts, out);
  EXPECT_EQ(facts.status_reads, 1);
  EXPECT_EQ(facts.reads(), 1);
  w.on_event(exec_of(300, 2), facts, out);
  w.on_event(exit_of(300, 3), facts, out);
  EXPECT_EQ(facts.reads(), 1);  // exec and exit of a process that is no init: nothing asked
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.pending_count(), 0u);
  EXPECT_EQ(w.live_count(), 3u);
}

TEST(Watch, AChildThatJoinedANamespaceIsNotItsInit) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(400, "nsenter", {400, 5}, {ns(2), 22, ns(1)});  // setns + fork: not PID 1
  w.on_event(fork_of(400, 1), facts, out);
  EXPECT_EQ(facts.namespace_reads, 0);
  EXPECT_EQ(w.pending_count(), 0u);
}

TEST(Watch, ANewInitIsCreatedAtItsFirstExecWithItsFinalNameAndLabel) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(500, "runc:[2:INIT]", {500, 1}, {ns(9), 99, ns(1)});
  w.on_event(fork_of(500, 10 * kMs), facts, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.pending_count(), 1u);
  EXPECT_EQ(w.next_deadline(), 10 * kMs + WatchConfig{}.exec_wait_ns);

  facts.rename(500, "nginx");
  facts.cgroups[500] = kDockerCgroup;
  w.on_event(exec_of(500, 30 * kMs), facts, out);
  ASSERT_EQ(out.size(), 1u);
  const WatchEvent& e = out[0];
  EXPECT_EQ(e.kind, Kind::Created);
  EXPECT_EQ(e.time_ns, 10 * kMs);  // born at the fork
  EXPECT_EQ(e.ns.id, ns(9));
  EXPECT_EQ(e.ns.unique_id, 99u);
  EXPECT_EQ(e.ns.parent, ns(1));
  EXPECT_EQ(e.ns.level, 1);
  EXPECT_EQ(e.ns.init, 500);
  EXPECT_EQ(e.ns.init_name, "nginx");
  ASSERT_TRUE(e.ns.container.has_value());
  EXPECT_EQ(e.ns.container->id, kDockerId);
  EXPECT_EQ(w.pending_count(), 0u);
  EXPECT_EQ(w.next_deadline(), std::nullopt);

  out.clear();
  w.on_event(exec_of(500, 40 * kMs), facts, out);  // a second exec changes nothing
  EXPECT_TRUE(out.empty());
  facts.leader_exits(500, 1, false);  // a zombie now
  w.on_event(exit_of(500, 1010 * kMs), facts, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::Gone);
  EXPECT_EQ(out[0].time_ns, 1010 * kMs);
  EXPECT_EQ(out[0].lived_ns, 1000 * kMs);
  EXPECT_FALSE(out[0].lived_from_exists);
  EXPECT_EQ(out[0].ns.init_name, "nginx");
  EXPECT_EQ(w.live_count(), 3u);
}

TEST(Watch, AnInitThatExitsBeforeExecIsCreatedThenGone) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(600, "unshare", {600, 1}, {ns(10), std::nullopt, ns(1)});
  w.on_event(fork_of(600, 100 * kMs), facts, out);
  facts.gone(600);
  w.on_event(exit_of(600, 150 * kMs), facts, out);
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Created, Kind::Gone}));
  EXPECT_EQ(out[0].ns.init_name, "unshare");
  EXPECT_EQ(out[0].time_ns, 100 * kMs);
  EXPECT_EQ(out[1].lived_ns, 50 * kMs);
  EXPECT_EQ(out[1].ns.unique_id, std::nullopt);  // a kernel before 6.18
  EXPECT_EQ(w.live_count(), 3u);
  EXPECT_EQ(w.pending_count(), 0u);
}

TEST(Watch, AnInitThatNeverExecsIsCreatedWhenItsWaitRunsOut) {
  Watch w({.exec_wait_ns = 1000 * kMs});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(700, "python3", {700, 1}, {ns(11), 111, ns(1)});
  w.on_event(fork_of(700, 100 * kMs), facts, out);
  w.tick(1099 * kMs, facts, out);
  EXPECT_TRUE(out.empty());
  facts.rename(700, "nsfx0-0");  // renamed itself with prctl(PR_SET_NAME) meanwhile
  w.tick(1100 * kMs, facts, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::Created);
  EXPECT_EQ(out[0].ns.init_name, "nsfx0-0");
  EXPECT_EQ(out[0].time_ns, 100 * kMs);
}

TEST(Watch, AParentIsReportedBeforeTheChildThatExecdFirst) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(800, "outer", {800, 1}, {ns(20), std::nullopt, ns(1)});
  facts.process(801, "inner", {801, 2, 1}, {ns(21), std::nullopt, ns(20)});
  w.on_event(fork_of(800, 1 * kMs), facts, out);
  w.on_event(fork_of(801, 2 * kMs), facts, out);
  w.on_event(exec_of(801, 3 * kMs), facts, out);
  ASSERT_EQ(inodes(out), (std::vector<std::uint64_t>{20, 21}));
  EXPECT_EQ(out[1].ns.level, 2);
  EXPECT_EQ(out[1].ns.parent, ns(20));
  out.clear();
  w.on_event(exec_of(800, 4 * kMs), facts, out);  // already reported
  EXPECT_TRUE(out.empty());
}

TEST(Watch, TheExitOfAnInitFromTheSnapshotEndsItsNamespace) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 1000 * kMs, out);
  out.clear();
  FakeFacts facts;
  w.on_event(exit_of(201, 1500 * kMs, /*tgid=*/200), facts, out);  // a thread of the init
  EXPECT_TRUE(out.empty());
  w.on_event(exit_of(200, 1500 * kMs), facts, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, Kind::Gone);
  EXPECT_EQ(out[0].ns.id, ns(3));
  EXPECT_EQ(out[0].lived_ns, 500 * kMs);
  EXPECT_TRUE(out[0].lived_from_exists);
  EXPECT_EQ(facts.reads(), 1);  // its status: gone, so no thread of it lives
  out.clear();
  w.on_event(exit_of(200, 1600 * kMs), facts, out);  // a reused PID exits later: no ns left
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.live_count(), 2u);
}

TEST(Watch, WhatLiesBelowAGoneNamespaceIsGoneToo) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  w.on_event(exit_of(100, 9 * kMs), facts, out);  // ns(3)'s own exit was not heard
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3, 2}));
  EXPECT_EQ(out[0].time_ns, 9 * kMs);
  out.clear();
  w.on_event(exit_of(200, 10 * kMs), facts, out);  // heard late: nothing left to report
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.live_count(), 1u);
}

TEST(Watch, AForkOfAnInitTheScanAlreadyFoundIsNoNewNamespace) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;  // subscribed before the scan: the fork of 200 arrives after it
  facts.process(200, "sleep", {200, 7, 1}, {ns(3), std::nullopt, ns(2)});
  w.on_event(fork_of(200, 1), facts, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.pending_count(), 0u);
}

TEST(Watch, AReusedInodeWithANewIdIsANewNamespace) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;  // ns(2) had id 22: its end was missed, and its inode is taken again
  facts.process(900, "new", {900, 1}, {ns(2), 23, ns(1)});
  w.on_event(fork_of(900, 7 * kMs), facts, out);
  w.on_event(exec_of(900, 8 * kMs), facts, out);
  // The old ns(2) ended unseen, and ns(3) below it with it.
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Gone, Kind::Gone, Kind::Created}));
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3, 2, 2}));
  EXPECT_EQ(out[1].ns.unique_id, 22u);
  EXPECT_EQ(out[2].ns.unique_id, 23u);
}

TEST(Watch, ScopeIgnoresNewNamespacesElsewhereAndEndsWithItsNamespace) {
  Watch w({.scope = {ns(2)}});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(1000, "outside", {1000, 1}, {ns(30), std::nullopt, ns(1)});
  facts.process(1001, "inside", {1001, 3, 1}, {ns(31), std::nullopt, ns(2)});
  w.on_event(fork_of(1000, 1), facts, out);
  EXPECT_EQ(facts.namespace_reads, 1);
  EXPECT_EQ(w.pending_count(), 0u);  // no state for what lies outside the scope
  w.on_event(fork_of(1001, 2), facts, out);
  w.on_event(exec_of(1001, 3), facts, out);
  ASSERT_EQ(inodes(out), (std::vector<std::uint64_t>{31}));
  EXPECT_EQ(out[0].ns.level, 2);
  EXPECT_FALSE(w.scope_gone());
  out.clear();
  w.on_event(exit_of(100, 4), facts, out);
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3, 31, 2}));
  EXPECT_TRUE(w.scope_gone());
}

TEST(Watch, RescanReportsTheDifferenceDeepestGoneFirstParentsCreatedFirst) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeSource later;
  later.process(50, "bash", ns(1), {50}, 1)
      .process(120, "init", ns(40), {120, 1}, 50)
      .process(130, "init", ns(41), {130, 3, 1}, 120)
      .parent(ns(40), ns(1))
      .parent(ns(41), ns(40));
  w.rescan(NamespaceGraph::build(later.scan()), 3000 * kMs, out);
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Gone, Kind::Gone, Kind::Created, Kind::Created}));
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3, 2, 40, 41}));
  EXPECT_TRUE(out[0].lived_from_exists);
  EXPECT_EQ(out[0].lived_ns, 3000 * kMs);
  EXPECT_EQ(out[2].time_ns, 3000 * kMs);
  EXPECT_EQ(out[3].ns.init_name, "init");
  EXPECT_EQ(out[3].ns.level, 2);
  out.clear();
  w.rescan(NamespaceGraph::build(later.scan()), 4000 * kMs, out);  // nothing changed
  EXPECT_TRUE(out.empty());
  FakeSource last;
  last.process(50, "bash", ns(1), {50}, 1);
  w.rescan(NamespaceGraph::build(last.scan()), 4500 * kMs, out);
  ASSERT_EQ(inodes(out), (std::vector<std::uint64_t>{41, 40}));
  EXPECT_FALSE(out[0].lived_from_exists);
  EXPECT_EQ(out[0].lived_ns, 1500 * kMs);
  EXPECT_EQ(w.live_count(), 1u);
}

TEST(Watch, RescanTellsAReusedInodeByItsInit) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeSource later;  // ns(3) is back, with another init: a new namespace on an old inode
  later.process(50, "bash", ns(1), {50}, 1)
      .process(100, "nginx", ns(2), {100, 1}, 50)
      .process(101, "worker", ns(2), {101, 2}, 100)
      .process(250, "other", ns(3), {250, 8, 1}, 101)
      .parent(ns(2), ns(1))
      .parent(ns(3), ns(2));
  later.raw().namespaces[ns(2)].container = recognise_cgroup(kDockerCgroup);
  later.raw().namespaces[ns(2)].unique_id = 22;
  w.rescan(NamespaceGraph::build(later.scan()), 10, out);
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Gone, Kind::Created}));
  EXPECT_EQ(out[0].ns.init, 200);
  EXPECT_EQ(out[1].ns.init, 250);
}

TEST(Watch, ANamespaceWhoseInitIsAZombieIsGone) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeSource later;  // 100 exited; its parent has not reaped it, so procfs still shows it
  later.process(50, "bash", ns(1), {50}, 1)
      .process(100, "nginx", ns(2), {100, 1}, 50)
      .process(200, "sleep", ns(3), {200, 7, 1}, 101)
      .parent(ns(2), ns(1))
      .parent(ns(3), ns(2));
  later.raw().processes[1].status.state = 'Z';
  w.rescan(NamespaceGraph::build(later.scan()), 10, out);
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3, 2}));
  EXPECT_EQ(kinds(out), (std::vector<Kind>{Kind::Gone, Kind::Gone}));
}

// The graph of host_graph() with init 100 a zombie leader whose Threads: counts 3.
NamespaceGraph host_graph_with_zombie_leader() {
  FakeSource src;
  src.process(50, "bash", ns(1), {50}, 1)
      .process(100, "nginx", ns(2), {100, 1}, 50, 0, 3)
      .process(101, "worker", ns(2), {101, 2}, 100)
      .process(200, "sleep", ns(3), {200, 7, 1}, 101)
      .parent(ns(2), ns(1))
      .parent(ns(3), ns(2));
  src.raw().processes[1].status.state = 'Z';
  src.raw().namespaces[ns(2)].unique_id = 22;
  return NamespaceGraph::build(src.scan());
}

TEST(Watch, AnInitWhoseLeaderExitedFirstLivesUntilItsLastThreadExits) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(100, "nginx", {100, 1}, {ns(2), 22, ns(1)});
  facts.leader_exits(100, 3, true);  // pthread_exit() in main
  w.on_event(exit_of(100, 5 * kMs), facts, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(facts.reads(), 3);  // status, threads, namespace
  facts.leader_exits(100, 2, true);
  w.on_event(exit_of(102, 6 * kMs, /*tgid=*/100), facts, out);
  EXPECT_TRUE(out.empty());
  facts.leader_exits(100, 1, false);  // the last thread is released before its exit is sent
  w.on_event(exit_of(101, 9 * kMs, /*tgid=*/100), facts, out);
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3, 2}));
  EXPECT_EQ(kinds(out), (std::vector<Kind>{Kind::Gone, Kind::Gone}));
  EXPECT_EQ(out[1].time_ns, 9 * kMs);
  EXPECT_EQ(out[1].lived_ns, 9 * kMs);
  int reads = facts.reads();
  out.clear();
  w.on_event(exit_of(103, 10 * kMs, /*tgid=*/100), facts, out);  // PID 100 is no init now
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(facts.reads(), reads);
  EXPECT_EQ(w.live_count(), 1u);
}

TEST(Watch, ThreadsThatOnlyATracerHoldDoNotKeepANamespaceAlive) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(200, "sleep", {200, 7, 1}, {ns(3), std::nullopt, ns(2)});
  facts.leader_exits(200, 2, false);  // Threads: 2, but the other is a zombie too
  w.on_event(exit_of(200, 5 * kMs), facts, out);
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3}));
}

TEST(Watch, APidTakenByAnotherInitDoesNotKeepTheOldNamespaceAlive) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;  // the exit was read late: 200 was reaped and reused by a newer init
  facts.process(200, "other", {200, 1}, {ns(70), std::nullopt, ns(1)});
  w.on_event(exit_of(200, 5 * kMs), facts, out);
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3}));
}

TEST(Watch, AnInitFromTheSnapshotThatExecsFromAnotherThreadLivesOn) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(200, "sleep", {200, 7, 1}, {ns(3), std::nullopt, ns(2)});
  facts.leader_exits(200, 2, true);  // de_thread(): the old leader exits first
  w.on_event(exit_of(200, 5 * kMs), facts, out);
  facts.execs(200, "java");
  w.on_event(exec_of(200, 6 * kMs), facts, out);  // the exec'ing thread is PID 200 now
  EXPECT_TRUE(out.empty());
  int reads = facts.reads();
  w.on_event(exit_of(201, 7 * kMs, /*tgid=*/200), facts, out);  // a leader again: not watched
  EXPECT_EQ(facts.reads(), reads);
  facts.leader_exits(200, 1, false);
  w.on_event(exit_of(200, 8 * kMs), facts, out);
  ASSERT_EQ(inodes(out), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(out[0].time_ns, 8 * kMs);
}

TEST(Watch, ALeaderReadAsAZombieOfOneThreadWhileAnExecTakesItsPidIsNoEnd) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(200, "sleep", {200, 7, 1}, {ns(3), std::nullopt, ns(2)});
  // de_thread() released the old leader (Threads: 1) after giving PID 200 to the thread that
  // execs, but /proc/200/status was read from the old one: its task list has the new one.
  facts.leader_exits(200, 1, true);
  w.on_event(exit_of(200, 5 * kMs), facts, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.live_count(), 3u);
}

TEST(Watch, ANewInitThatExecsFromAnotherThreadIsCreatedWithItsNewName) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(500, "runc:[2:INIT]", {500, 1}, {ns(9), 99, ns(1)});
  w.on_event(fork_of(500, 10 * kMs), facts, out);
  w.on_event(fork_of(501, 11 * kMs, /*tgid=*/500), facts, out);
  facts.leader_exits(500, 2, true);
  w.on_event(exit_of(500, 12 * kMs), facts, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.pending_count(), 1u);
  facts.execs(500, "nginx");
  w.on_event(exec_of(500, 13 * kMs), facts, out);
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Created}));
  EXPECT_EQ(out[0].ns.init_name, "nginx");
  EXPECT_EQ(out[0].time_ns, 10 * kMs);
  out.clear();
  facts.leader_exits(500, 1, false);
  w.on_event(exit_of(500, 20 * kMs), facts, out);
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Gone}));
  EXPECT_EQ(out[0].lived_ns, 10 * kMs);
}

TEST(Watch, AnExecThatTakesTheLeadersPidBetweenTwoReadsIsNoEnd) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(500, "runc:[2:INIT]", {500, 1}, {ns(9), 99, ns(1)});
  w.on_event(fork_of(500, 10 * kMs), facts, out);
  facts.leader_exits(500, 2, true);
  facts.exec_races_reads(500, "nginx");
  w.on_event(exit_of(500, 12 * kMs), facts, out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(w.pending_count(), 1u);
  w.on_event(exec_of(500, 13 * kMs), facts, out);
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Created}));
  EXPECT_EQ(out[0].ns.init_name, "nginx");
}

TEST(Watch, ASnapshotKeepsAZombieLeaderWithLiveThreadsAndWatchesThem) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph_with_zombie_leader(), 0, out);
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(out[1].ns.init_name, "nginx");
  out.clear();
  w.rescan(host_graph_with_zombie_leader(), 1 * kMs, out);  // the fallback keeps it too
  EXPECT_TRUE(out.empty());
  FakeFacts facts;
  facts.process(100, "nginx", {100, 1}, {ns(2), 22, ns(1)});
  facts.leader_exits(100, 1, false);
  w.on_event(exit_of(102, 5 * kMs, /*tgid=*/100), facts, out);  // its last thread
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3, 2}));
}

TEST(Watch, LostEventsReportWaitingInitsThenResync) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  out.clear();
  FakeFacts facts;
  facts.process(1100, "waiting", {1100, 1}, {ns(50), std::nullopt, ns(1)});
  w.on_event(fork_of(1100, 5 * kMs), facts, out);
  w.lost(9 * kMs, facts, out);
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Created, Kind::Resync}));
  EXPECT_EQ(out[1].time_ns, 9 * kMs);
  EXPECT_EQ(w.pending_count(), 0u);
  out.clear();
  // The rescan after it: ns(3) ended unseen, ns(50) went too, ns(60) came.
  FakeSource later;
  later.process(50, "bash", ns(1), {50}, 1)
      .process(100, "nginx", ns(2), {100, 1}, 50)
      .process(1200, "new", ns(60), {1200, 1}, 50)
      .parent(ns(2), ns(1))
      .parent(ns(60), ns(1));
  later.raw().namespaces[ns(2)].container = recognise_cgroup(kDockerCgroup);
  later.raw().namespaces[ns(2)].unique_id = 22;
  w.rescan(NamespaceGraph::build(later.scan()), 20 * kMs, out);
  ASSERT_EQ(kinds(out), (std::vector<Kind>{Kind::Gone, Kind::Gone, Kind::Created}));
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{3, 50, 60}));
  EXPECT_EQ(w.live_count(), 3u);
  // The connector goes on after the resync: 60's init exits.
  out.clear();
  w.on_event(exit_of(1200, 30 * kMs), facts, out);
  EXPECT_EQ(inodes(out), (std::vector<std::uint64_t>{60}));
}

TEST(Watch, StateStaysBoundedByLiveNamespaces) {
  Watch w({});
  std::vector<WatchEvent> out;
  w.start(host_graph(), 0, out);
  FakeFacts facts;
  for (pid_t pid = 2000; pid < 12000; ++pid) {  // a fork storm, and namespaces coming and going
    std::int64_t t = pid * kMs;
    if (pid % 10 == 0) {
      facts.process(pid, "ns", {pid, 1},
                    {ns(static_cast<std::uint64_t>(pid)), std::nullopt, ns(1)});
    } else {
      facts.process(pid, "sh", {pid}, {ns(1), std::nullopt, std::nullopt});
    }
    w.on_event(fork_of(pid, t), facts, out);
    w.on_event(exec_of(pid, t + 1), facts, out);
    facts.leader_exits(pid, 1, false);
    w.on_event(exit_of(pid, t + 2), facts, out);
    facts.gone(pid);
    out.clear();
  }
  EXPECT_EQ(w.live_count(), 3u);
  EXPECT_EQ(w.pending_count(), 0u);
}

}  // namespace
}  // namespace pidns
