// Tests for turning command-line names into graph nodes, and their error messages.
#include <gtest/gtest.h>

#include <stdexcept>

#include "fake_source.hpp"
#include "model/resolve.hpp"

namespace pidns {
namespace {

using testing::FakeSource;
using testing::ns;

// 100 (host) -> 200 -> 300
NamespaceGraph sample() {
  FakeSource src;
  src.process(1, "init", ns(100), {1})
      .process(10, "a", ns(200), {10, 1})
      .process(20, "b", ns(300), {20, 5, 1}, 10)
      .parent(ns(200), ns(100))
      .parent(ns(300), ns(200))
      .inaccessible(7)
      .malformed(8);
  return NamespaceGraph::build(src.scan());
}

std::string error_of(auto&& call) {
  try {
    call();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Resolver, FindsAProcessAndSaysWhyOneIsMissing) {
  NamespaceGraph g = sample();
  Resolver r(g, {}, {}, {});
  EXPECT_EQ(r.process(20).ns, ns(300));
  EXPECT_EQ(error_of([&] { (void)r.process(99); }), "no process with PID 99 in /proc");
  EXPECT_EQ(error_of([&] { (void)r.process(7); }), "permission denied for PID 7");
  EXPECT_EQ(error_of([&] { (void)r.process(8); }), "unparsable status for PID 8");
  EXPECT_TRUE(r.notes().empty());
}

TEST(Resolver, TakesAThreadForItsProcessAndSaysSo) {
  NamespaceGraph g = sample();
  Resolver r(g, {}, {}, {Task{21, 20, {21, 6, 2}}, Task{31, 30, {31}}});
  EXPECT_EQ(r.process(21).pid, 20);
  ASSERT_EQ(r.notes().size(), 1u);
  EXPECT_EQ(r.notes()[0], "PID 21 is a thread of process 20: showing that process");
  ASSERT_NE(r.task(21), nullptr);
  EXPECT_EQ(r.task(21)->nspid.back(), 2);
  EXPECT_EQ(r.task(20), nullptr);  // a leader is its process
  EXPECT_EQ(error_of([&] { (void)r.process(31); }),
            "PID 31 is a thread of process 30, but no process with PID 30 in /proc");
}

TEST(Resolver, AcceptsBothSpellingsOfAnInode) {
  NamespaceGraph g = sample();
  Resolver r(g, {}, {}, {});
  EXPECT_EQ(r.ns("300"), ns(300));
  EXPECT_EQ(r.ns("pid:[200]"), ns(200));
  EXPECT_EQ(error_of([&] { (void)r.ns("12345"); }),
            "no PID namespace pid:[12345] in the tree of /proc (--all also finds namespaces held "
            "open)");
  // Not inode text at all: the command line then tries it as a path, whose error names it.
  for (const char* path : {"pid:[abc]", "pid:[]", "99999999999999999999999", "+300", "-300"}) {
    EXPECT_FALSE(parse_ns_inode(path).has_value()) << path;
  }
}

TEST(Resolver, TakesAPathAsTheScanOpenedIt) {
  NamespaceGraph g = sample();
  Resolver r(g, {"/run/ns/a", "/run/ns/b"}, {ns(200), ns(300)}, {});
  EXPECT_EQ(r.ns("/run/ns/b"), ns(300));
  EXPECT_THROW((void)r.ns("/run/ns/c"), std::runtime_error);
}

TEST(Resolver, RefusesAnAmbiguousInode) {
  FakeSource src;
  src.process(1, "a", NsId{4, 500}).process(2, "b", NsId{5, 500});
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_THROW((void)Resolver(g, {}, {}, {}).ns("500"), std::runtime_error);
}

TEST(Resolver, ReadsToAsAPidUpToPidMaxLimitAndAsANamespaceAbove) {
  NamespaceGraph g = sample();
  Resolver r(g, {}, {}, {});
  EXPECT_EQ(r.ns_or_pid("20"), ns(300));
  // Namespace inodes are far above PID_MAX_LIMIT: a small number is always read as a PID.
  EXPECT_EQ(error_of([&] { (void)r.ns_or_pid("300"); }), "no process with PID 300 in /proc");
  EXPECT_EQ(r.ns_or_pid("pid:[300]"), ns(300));
  EXPECT_EQ(parse_to_pid("4194304"), 4194304);
  EXPECT_FALSE(parse_to_pid("4194305").has_value());
  EXPECT_FALSE(parse_to_pid("pid:[20]").has_value());
  EXPECT_FALSE(parse_to_pid("/proc/1/ns/pid").has_value());
}

}  // namespace
}  // namespace pidns
