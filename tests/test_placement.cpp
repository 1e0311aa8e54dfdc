// Tests for the placement rules: what NStgid depths say about namespaces (placement.hpp).
#include <gtest/gtest.h>

#include "fake_source.hpp"
#include "placement.hpp"

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
