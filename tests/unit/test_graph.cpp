// Tests for building the namespace forest from a faked Scan.
#include <gtest/gtest.h>

#include <stdexcept>

#include "fake_source.hpp"
#include "model/graph.hpp"

namespace pidns {
namespace {

using testing::FakeSource;
using testing::ns;

std::vector<pid_t> pids_of(const NsNode& n) {
  std::vector<pid_t> pids;
  for (const Process& p : n.processes) pids.push_back(p.pid);
  return pids;
}

// A chain of `levels` namespaces (ino 100, 101, ...), one process in the innermost.
FakeSource chain(int levels) {
  FakeSource src;
  LevelPids nstgid;
  for (int i = 0; i < levels; ++i) {
    nstgid.push_back(1000 + i);
    if (i > 0) src.parent(ns(100 + i), ns(100 + i - 1));
  }
  src.process(1000 + levels - 1, "deep", ns(100 + levels - 1), nstgid);
  return src;
}

TEST(NamespaceGraph, NestsChildrenUnderParentsAndSortsMembers) {
  FakeSource src;
  src.process(30, "c", ns(100), {30})
      .process(1, "init", ns(100), {1})
      .process(20, "sh", ns(200), {20, 1})
      .process(21, "sleep", ns(200), {21, 2})
      .parent(ns(200), ns(100));
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  ASSERT_EQ(g.roots(), std::vector<NsId>{ns(100)});
  EXPECT_EQ(g.at(ns(100)).children, std::vector<NsId>{ns(200)});
  EXPECT_EQ(pids_of(g.at(ns(100))), (std::vector<pid_t>{1, 30}));
  EXPECT_EQ(g.at(ns(200)).parent, ns(100));
  EXPECT_EQ(g.at(ns(200)).level, 1);
  EXPECT_EQ(g.namespace_count(), 2u);
  EXPECT_EQ(g.process_count(), 4u);
}

TEST(NamespaceGraph, MarksTheInitOfEachNamespace) {
  FakeSource src;
  src.process(20, "sh", ns(200), {20, 1}).process(21, "sleep", ns(200), {21, 2});
  src.process(22, "orphan", ns(300), {22, 5});  // its init is not visible
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_EQ(g.at(ns(200)).init, 20);
  EXPECT_FALSE(g.at(ns(300)).init.has_value());
}

TEST(NamespaceGraph, InventsHiddenIntermediateNamespaces) {
  FakeSource src;  // 200 has no process of its own: reachable only through NS_GET_PARENT
  src.process(1, "init", ns(100), {1})
      .process(9, "leaf", ns(300), {9, 4, 1})
      .parent(ns(300), ns(200))
      .parent(ns(200), ns(100));
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_TRUE(g.at(ns(200)).hidden());
  EXPECT_FALSE(g.at(ns(300)).hidden());
  EXPECT_EQ(g.at(ns(200)).level, 1);
  EXPECT_EQ(g.at(ns(300)).level, 2);
  EXPECT_EQ(g.roots(), std::vector<NsId>{ns(100)});
}

TEST(NamespaceGraph, EpermTopsMakeAForest) {
  // Seen from inside a container over the host's procfs: NS_GET_PARENT says EPERM above the
  // caller's namespace, so each namespace outside it is a top of its own.
  FakeSource src;
  src.process(1, "systemd", ns(100), {1})
      .process(50, "a", ns(300), {50, 1})
      .process(60, "b", ns(200), {60, 1});
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_EQ(g.roots(), (std::vector<NsId>{ns(100), ns(200), ns(300)}));  // sorted by (dev, ino)
  EXPECT_EQ(g.at(ns(300)).level, 1);  // from NStgid, not from the (cut) tree
}

TEST(NamespaceGraph, LevelsStartAtTheOutermostNamespaceSeen) {
  // A procfs of a child namespace, scanned from the host: NStgid counts from the child, but
  // NS_GET_PARENT reaches the host's namespace, which is then level 0.
  FakeSource src;
  src.process(1, "init", ns(200), {1}).process(2, "deep", ns(300), {2, 1}).parent(ns(300), ns(200));
  src.parent(ns(200), ns(100));
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_EQ(g.at(ns(100)).level, 0);
  EXPECT_TRUE(g.at(ns(100)).hidden());
  EXPECT_EQ(g.at(ns(200)).level, 1);
  EXPECT_EQ(g.at(ns(300)).level, 2);
}

TEST(NamespaceGraph, MarksTheCurrentNamespaceAndCountsThreads) {
  FakeSource src;
  src.process(1, "a", ns(100), {1}, 0, 0, 4).process(2, "b", ns(100), {2}, 1, 0, 2).self(ns(100));
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_TRUE(g.at(ns(100)).current);
  EXPECT_EQ(g.at(ns(100)).threads, 6u);
}

TEST(NamespaceGraph, CarriesTheCountsOfWhatItCouldNotShow) {
  FakeSource src;
  src.process(5, "x", ns(100)).inaccessible(9).inaccessible(1).malformed(7).vanished(3);
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_EQ(g.inaccessible(), (std::vector<pid_t>{1, 9}));
  EXPECT_EQ(g.malformed(), std::vector<pid_t>{7});
  EXPECT_EQ(g.vanished(), 3u);
  EXPECT_EQ(g.process_count(), 1u);
}

TEST(NamespaceGraph, InfersParentsThatTheKernelWouldNotName) {
  // Inside container 300 over the host's procfs: EPERM above 300, so 200 and 400 arrive without
  // parents; their members' parent processes one level up tell where they belong.
  FakeSource src;
  src.process(1, "systemd", ns(100), {1})
      .process(50, "containerd-shim", ns(100), {50}, 1)
      .process(60, "init", ns(200), {60, 1}, 50)
      .process(61, "worker", ns(200), {61, 2}, 60)
      .process(70, "nested", ns(400), {70, 9, 1}, 61)
      .process(80, "me", ns(300), {80, 1}, 50)
      .parent(ns(500), ns(300))  // the kernel names parents inside our own subtree
      .process(90, "child", ns(500), {90, 2, 1}, 80)
      .self(ns(300));
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_EQ(g.roots(), std::vector<NsId>{ns(100)});
  EXPECT_EQ(g.at(ns(200)).parent, ns(100));
  EXPECT_TRUE(g.at(ns(200)).parent_inferred);
  EXPECT_EQ(g.at(ns(400)).parent, ns(200));
  EXPECT_TRUE(g.at(ns(400)).parent_inferred);
  EXPECT_EQ(g.at(ns(300)).parent, ns(100));
  EXPECT_FALSE(g.at(ns(500)).parent_inferred);
}

TEST(NamespaceGraph, InfersNothingAcrossAGapOfLevels) {
  // A parent process two levels up (nsenter from the host into a level-2 namespace) does not say
  // which level-1 namespace lies between: leave it a top rather than guess.
  FakeSource src;
  src.process(1, "systemd", ns(100), {1}).process(70, "entered", ns(400), {70, 9, 3}, 1);
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_FALSE(g.at(ns(400)).parent.has_value());
  EXPECT_EQ(g.roots().size(), 2u);
}

TEST(NamespaceGraph, FindsProcessesByPid) {
  FakeSource src;
  src.process(1, "a", ns(100), {1})
      .process(5, "b", ns(200), {5, 1})
      .process(6, "c", ns(300), {6, 2, 1});
  src.parent(ns(200), ns(100)).parent(ns(300), ns(200));
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  ASSERT_NE(g.process(6), nullptr);
  EXPECT_EQ(g.process(6)->status.name, "c");
  EXPECT_EQ(g.process(7), nullptr);
}

TEST(NamespaceGraph, EmptyScanGivesAnEmptyForest) {
  FakeSource src;
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_TRUE(g.roots().empty());
  EXPECT_EQ(g.namespace_count(), 0u);
}

TEST(NamespaceGraph, BuildsTheKernelsMaximumOf33Levels) {
  NamespaceGraph g = NamespaceGraph::build(chain(33).scan());  // levels 0..32
  EXPECT_EQ(g.at(ns(100 + 32)).level, 32);
  EXPECT_EQ(g.at(ns(100 + 32)).processes.size(), 1u);
  EXPECT_TRUE(g.at(ns(100 + 31)).hidden());
}

TEST(NamespaceGraph, RejectsOneLevelBeyondTheKernelsMaximum) {
  EXPECT_THROW((void)NamespaceGraph::build(chain(34).scan()), std::runtime_error);
}

TEST(NamespaceGraph, RejectsParentLinksThatLoop) {
  FakeSource src;
  src.process(1, "x", ns(100)).parent(ns(100), ns(200)).parent(ns(200), ns(300));
  src.parent(ns(300), ns(200));
  EXPECT_THROW((void)NamespaceGraph::build(src.scan()), std::runtime_error);
}

TEST(NamespaceGraph, ContainerLabelsCarryTheNamesTheScanFound) {
  FakeSource src;
  src.process(1, "init", ns(100)).process(5, "sleep", ns(200), {5, 1}, 1).parent(ns(200), ns(100));
  Scan& raw = src.raw();
  raw.namespaces[ns(200)].container = recognise_cgroup("0::/docker/" + std::string(64, 'a') + "\n");
  raw.namespaces[ns(200)].container->names.name = "web";
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  ASSERT_TRUE(g.at(ns(200)).container.has_value());
  EXPECT_EQ(g.at(ns(200)).container->engine, "docker");
  EXPECT_EQ(g.at(ns(200)).container->names.name, "web");
  EXPECT_FALSE(g.at(ns(100)).container.has_value());
}

}  // namespace
}  // namespace pidns
