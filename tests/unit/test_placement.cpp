// Tests for the placement rules: what NStgid depths say about namespaces (placement.hpp).
#include <gtest/gtest.h>

#include "fake_source.hpp"
#include "model/inference.hpp"
#include "model/placement.hpp"

namespace pidns {
namespace {

using testing::ns;

ProcStatus at_depth(std::size_t depth, pid_t ppid = 1) {
  ProcStatus st;
  st.ppid = ppid;
  st.nstgid.assign(depth, 7);
  return st;
}

struct LinkCase {
  const char* what;
  std::size_t child_depth;
  std::optional<std::size_t> parent_depth;  // nullopt: the parent is not in view
  ParentLink want;
};

class ParentLinkTable : public ::testing::TestWithParam<LinkCase> {};

TEST_P(ParentLinkTable, Holds) {
  const LinkCase& c = GetParam();
  ProcStatus child = at_depth(c.child_depth);
  std::optional<ProcStatus> parent;
  if (c.parent_depth) parent = at_depth(*c.parent_depth);
  EXPECT_EQ(parent_link(child, parent ? &*parent : nullptr), c.want) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    KernelFacts, ParentLinkTable,
    ::testing::Values(
        // fork(): the child starts in its parent's namespace.
        LinkCase{"a plain fork", 1, 1, ParentLink::kSameNamespace},
        // unshare(CLONE_NEWPID), then fork: the first child is the new namespace's init.
        LinkCase{"the init of a new namespace", 2, 1, ParentLink::kChildNamespace},
        // setns() into a child namespace, then fork (docker exec, nsenter).
        LinkCase{"setns into a child, then fork", 2, 1, ParentLink::kChildNamespace},
        // setns() into a grandchild: two levels down, and which child lies between is unknown.
        LinkCase{"setns into a grandchild", 3, 1, ParentLink::kUnknown},
        // An orphan goes to its namespace's init or a subreaper of the dead parent's own
        // namespace (find_new_reaper()): the new parent stands where the old one stood.
        LinkCase{"an orphan adopted by its namespace's init", 2, 2, ParentLink::kSameNamespace},
        LinkCase{"an orphan adopted by a subreaper one level up", 2, 1,
                 ParentLink::kChildNamespace},
        // CLONE_PARENT: the caller's parent becomes the child's parent; the child starts in the
        // caller's namespace, so one level below the new parent when the caller is one below it.
        LinkCase{"CLONE_PARENT from a process one level down", 2, 1, ParentLink::kChildNamespace},
        LinkCase{"CLONE_PARENT|CLONE_NEWPID from a process one level down", 3, 1,
                 ParentLink::kUnknown},
        // A parent outside the scanned procfs (PPid 0) or not read.
        LinkCase{"no parent in view", 1, std::nullopt, ParentLink::kUnknown},
        // A parent deeper than the child cannot be: PID reuse mid-scan.
        LinkCase{"a reused parent PID, deeper than the child", 1, 2, ParentLink::kUnknown}));

TEST(ParentLink, KnowsNothingOfATaskBeingReaped) {
  ProcStatus child = at_depth(1);
  ProcStatus parent = at_depth(1);
  parent.exiting = true;
  EXPECT_EQ(parent_link(child, &parent), ParentLink::kUnknown);
}

Process proc(pid_t pid, pid_t ppid, std::size_t depth, std::optional<NsId> in = std::nullopt) {
  Process p;
  p.pid = pid;
  p.status = at_depth(depth, ppid);
  if (in) p.ns = *in;
  return p;
}

TEST(PlaceByKin, JoinsParentsAndChildrenAtOneDepthInEitherDirection) {
  // 10 (read, ns 100) -> 11 (unread) -> 12 (unread); 20 (unread, depth 2) -> 21 (read, ns 200).
  std::vector<Process> placed{proc(10, 1, 1, ns(100)), proc(21, 20, 2, ns(200))};
  std::vector<Process> unplaced{proc(11, 10, 1), proc(12, 11, 1), proc(20, 10, 2)};
  std::vector<Process> kin = place_by_kin(placed, unplaced);
  ASSERT_EQ(kin.size(), 3u);
  EXPECT_EQ(kin[0].pid, 11);
  EXPECT_EQ(kin[0].ns, ns(100));
  EXPECT_EQ(kin[1].pid, 12);
  EXPECT_EQ(kin[1].ns, ns(100));
  EXPECT_EQ(kin[2].pid, 20);  // a parent placed by its child
  EXPECT_EQ(kin[2].ns, ns(200));
  EXPECT_TRUE(unplaced.empty());
}

TEST(PlaceByKin, DoesNotDependOnPidOrder) {
  // The child has the lower PID (PIDs wrap): 5 is 9's child, 9 was read.
  std::vector<Process> placed{proc(9, 1, 1, ns(100))};
  std::vector<Process> unplaced{proc(5, 9, 1)};
  std::vector<Process> kin = place_by_kin(placed, unplaced);
  ASSERT_EQ(kin.size(), 1u);
  EXPECT_EQ(kin[0].ns, ns(100));
}

TEST(PlaceByKin, NeverJoinsAcrossDepths) {
  // 30 is one level below its read parent: in some child namespace, not in the parent's.
  std::vector<Process> placed{proc(10, 1, 1, ns(100))};
  std::vector<Process> unplaced{proc(30, 10, 2), proc(31, 30, 2)};
  EXPECT_TRUE(place_by_kin(placed, unplaced).empty());
  EXPECT_EQ(unplaced.size(), 2u);
}

}  // namespace
}  // namespace pidns

namespace pidns {
namespace {

// A process with NStgid `nstgid` (its depth is its length) and parent `ppid`.
Process unread(pid_t pid, pid_t ppid, LevelPids nstgid) {
  Process p;
  p.pid = pid;
  p.status.ppid = ppid;
  p.status.nstgid = std::move(nstgid);
  return p;
}
Process read_in(NsId ns, pid_t pid, pid_t ppid, LevelPids nstgid) {
  Process p = unread(pid, ppid, std::move(nstgid));
  p.ns = ns;
  return p;
}

using Parents = std::unordered_map<NsId, std::optional<NsId>, NsIdHash>;
using Cgroups = std::unordered_map<pid_t, std::string>;

NsId placed_in(const Inference& inf, pid_t pid) {
  for (const Process& p : inf.placed) {
    if (p.pid == pid) return p.ns;
  }
  return NsId{};
}

TEST(InferNamespaces, MakesANamespaceOfEachInitAndItsKin) {
  // The host (100, read) holds 10, which starts 20 (PID 1 inside); 20 forks 21; 21 starts 30.
  std::vector<Process> placed{read_in(ns(100), 10, 1, {10})};
  std::vector<Process> unplaced{unread(20, 10, {20, 1}), unread(21, 20, {21, 2}),
                                unread(30, 21, {30, 3, 1})};
  Inference inf = infer_namespaces(placed, unplaced, {{ns(100), std::nullopt}}, {}, ns(100));
  ASSERT_EQ(inf.namespaces.size(), 2u);
  EXPECT_EQ(inf.namespaces[0].id, NsId::inferred(20));
  EXPECT_EQ(inf.namespaces[0].parent, ns(100));
  EXPECT_EQ(inf.namespaces[1].id, NsId::inferred(30));
  EXPECT_EQ(inf.namespaces[1].parent, NsId::inferred(20));
  EXPECT_EQ(placed_in(inf, 21), NsId::inferred(20));
  EXPECT_TRUE(unplaced.empty());
}

TEST(InferNamespaces, PutsTheProcfsOwnDepthInTheProcfsNamespace) {
  std::vector<Process> unplaced{unread(1, 0, {1}), unread(7, 1, {7})};
  Inference known = infer_namespaces({}, unplaced, {}, {}, ns(100));
  EXPECT_EQ(placed_in(known, 7), ns(100));
  EXPECT_TRUE(known.namespaces.empty());
  // Not known (a container without ptrace rights over its host's procfs): PID 1 is its init.
  std::vector<Process> again{unread(1, 0, {1}), unread(7, 1, {7})};
  Inference unknown = infer_namespaces({}, again, {}, {}, std::nullopt);
  EXPECT_EQ(placed_in(unknown, 7), NsId::inferred(1));
}

TEST(InferNamespaces, LetsTheRealInodeReplaceTheInference) {
  // 300 was named (it holds 40, readable) but has no member read: it is 200's parent, and the
  // component of init 20 holds 40's parent 21.
  std::vector<Process> placed{read_in(ns(100), 10, 1, {10}), read_in(ns(200), 40, 21, {40, 5, 1})};
  std::vector<Process> unplaced{unread(20, 10, {20, 1}), unread(21, 20, {21, 2})};
  Parents parents{{ns(100), std::nullopt}, {ns(200), ns(300)}, {ns(300), ns(100)}};
  Inference inf = infer_namespaces(placed, unplaced, parents, {}, ns(100));
  EXPECT_TRUE(inf.namespaces.empty());
  EXPECT_EQ(placed_in(inf, 20), ns(300));
  // Mixed: 400's member 50 was read (it joined with setns), its init 60 was not.
  std::vector<Process> mixed_placed{read_in(ns(100), 10, 1, {10}),
                                    read_in(ns(400), 50, 10, {50, 7})};
  std::vector<Process> mixed{unread(60, 10, {60, 1})};
  Inference m = infer_namespaces(mixed_placed, mixed, {{ns(400), ns(100)}}, {}, ns(100));
  EXPECT_EQ(placed_in(m, 60), ns(400));
}

TEST(InferNamespaces, PutsEveryGroupAtTheProcfsDepthInItsInitsNamespace) {
  // Over a host's procfs without ptrace rights: PID 1 and kthreadd (2, whose parent is 0) with
  // its kernel threads make two groups at the procfs's own depth; both are that namespace.
  std::vector<Process> unplaced{unread(1, 0, {1}), unread(2, 0, {2}), unread(3, 2, {3}),
                                unread(7, 1, {7})};
  Inference inf = infer_namespaces({}, unplaced, {}, {}, std::nullopt);
  EXPECT_TRUE(unplaced.empty());
  for (pid_t pid : {1, 2, 3, 7}) EXPECT_EQ(placed_in(inf, pid), NsId::inferred(1)) << pid;
}

TEST(InferNamespaces, AttachesAnInitToANamedNamespaceOnlyOnEvidence) {
  // 400 was named through 50 (readable, joined with setns from the host's 11); its init was not
  // read. Two PID 1s, 20 and 30, might be its init.
  std::vector<Process> placed{read_in(ns(100), 10, 1, {10}), read_in(ns(100), 11, 1, {11}),
                              read_in(ns(400), 50, 11, {50, 7})};
  Parents parents{{ns(100), std::nullopt}, {ns(400), ns(100)}};
  std::vector<Process> guess{unread(20, 10, {20, 1}), unread(30, 10, {30, 1})};
  Inference apart = infer_namespaces(placed, guess, parents, {}, ns(100));
  EXPECT_EQ(placed_in(apart, 20), NsId::inferred(20));  // nothing tells: neither is attached
  EXPECT_EQ(placed_in(apart, 30), NsId::inferred(30));
  // 30's cgroup is 50's, as `docker exec` leaves it: 30 is 400's init, 20 stays apart.
  Cgroups cgroups{{20, "0::/a\n"}, {30, "0::/b\n"}, {50, "0::/b\n"}};
  std::vector<Process> told{unread(20, 10, {20, 1}), unread(30, 10, {30, 1})};
  Inference inf = infer_namespaces(placed, told, parents, cgroups, ns(100));
  EXPECT_EQ(placed_in(inf, 30), ns(400));
  EXPECT_EQ(placed_in(inf, 20), NsId::inferred(20));
  // Both in that cgroup (plain unshare in one session): nothing tells again.
  Cgroups same{{20, "0::/b\n"}, {30, "0::/b\n"}, {50, "0::/b\n"}};
  std::vector<Process> alike{unread(20, 10, {20, 1}), unread(30, 10, {30, 1})};
  Inference both = infer_namespaces(placed, alike, parents, same, ns(100));
  EXPECT_EQ(placed_in(both, 20), NsId::inferred(20));
  EXPECT_EQ(placed_in(both, 30), NsId::inferred(30));
}

TEST(InferNamespaces, TakesTheKernelsWordFromAChildBeforeAnything) {
  // 300 is known only as 200's parent; 200's member 40 (readable) was forked by 21, which joined
  // 300 from the host (setns, then fork). 21 is in 300 on the kernel's word; then 20, the only
  // PID 1 under the host at that depth, is 300's init: one namespace, shown once.
  std::vector<Process> placed{read_in(ns(100), 10, 1, {10}), read_in(ns(100), 11, 1, {11}),
                              read_in(ns(200), 40, 21, {40, 5, 1})};
  std::vector<Process> unplaced{unread(20, 10, {20, 1}), unread(21, 11, {21, 2})};
  Parents parents{{ns(100), std::nullopt}, {ns(200), ns(300)}, {ns(300), ns(100)}};
  Inference inf = infer_namespaces(placed, unplaced, parents, {}, ns(100));
  EXPECT_TRUE(inf.namespaces.empty());
  EXPECT_EQ(placed_in(inf, 21), ns(300));
  EXPECT_EQ(placed_in(inf, 20), ns(300));
}

TEST(InferNamespaces, PlacesAVisitorInTheOnlyChildOrByItsCgroup) {
  // The host holds 10; 20 and 30 are inits of two namespaces; 40 and 41 joined one of them with
  // setns (their parent 11 is on the host; their own PIDs are not 1).
  std::vector<Process> placed{read_in(ns(100), 10, 1, {10}), read_in(ns(100), 11, 1, {11})};
  Cgroups cgroups{{20, "0::/a\n"}, {30, "0::/b\n"}, {40, "0::/b\n"}, {41, "0::/c\n"}};
  std::vector<Process> unplaced{unread(20, 10, {20, 1}), unread(30, 10, {30, 1}),
                                unread(40, 11, {40, 5}), unread(41, 11, {41, 6})};
  Inference inf = infer_namespaces(placed, unplaced, {{ns(100), std::nullopt}}, cgroups, ns(100));
  EXPECT_EQ(placed_in(inf, 40), NsId::inferred(30));  // its cgroup is 30's
  ASSERT_EQ(unplaced.size(), 1u);                     // 41's cgroup is neither's
  EXPECT_EQ(unplaced[0].pid, 41);
  // With one child namespace only, the cgroup need not tell.
  std::vector<Process> one{unread(20, 10, {20, 1}), unread(41, 11, {41, 6})};
  Inference only = infer_namespaces(placed, one, {{ns(100), std::nullopt}}, {}, ns(100));
  EXPECT_EQ(placed_in(only, 41), NsId::inferred(20));
}

TEST(InferNamespaces, LeavesWhatNothingTells) {
  // 50 is two levels below its parent (setns into a grandchild): which child lies between?
  std::vector<Process> placed{read_in(ns(100), 10, 1, {10})};
  std::vector<Process> unplaced{unread(20, 10, {20, 1}), unread(30, 20, {30, 2, 1}),
                                unread(50, 10, {50, 9, 4})};
  Inference inf = infer_namespaces(placed, unplaced, {{ns(100), std::nullopt}}, {}, ns(100));
  ASSERT_EQ(unplaced.size(), 1u);
  EXPECT_EQ(unplaced[0].pid, 50);
}

}  // namespace
}  // namespace pidns
