// Tests for selecting part of the forest: --pid, --ns, --max-depth.
#include <gtest/gtest.h>

#include <stdexcept>

#include "fake_source.hpp"
#include "model/view.hpp"
#include "output/render.hpp"

namespace pidns {
namespace {

using testing::FakeSource;
using testing::ns;
using testing::procs;

// 100 (host) -> 200 -> 300 -> 310
//            \-> 400
NamespaceGraph sample() {
  FakeSource src;
  src.process(1, "init", ns(100), {1})
      .process(10, "a", ns(200), {10, 1})
      .process(11, "a2", ns(200), {11, 2}, 10)
      .process(20, "b", ns(300), {20, 5, 1}, 11)
      .process(25, "c", ns(310), {25, 7, 3, 1}, 20)
      .process(30, "d", ns(400), {30, 1})
      .parent(ns(200), ns(100))
      .parent(ns(300), ns(200))
      .parent(ns(310), ns(300))
      .parent(ns(400), ns(100));
  return NamespaceGraph::build(src.scan());
}

std::string text(const NamespaceGraph& g, const View& v) {
  std::string out;
  render_text(g, v, RenderOptions{.unicode = false}, out);
  return out;
}

TEST(PidView, ShowsTheBranchDownToThePidAndItsSubtree) {
  NamespaceGraph g = sample();
  View v = pid_view(g, procs(g, {20}), std::nullopt);
  EXPECT_EQ(v.tops, std::vector<NsId>{ns(100)});
  EXPECT_EQ(text(g, v),
            "pid:[100] level 0, 1 process, 1 thread\n"
            "`-- pid:[200] level 1, 2 processes, 2 threads\n"
            "    `-- pid:[300] level 2, 1 process, 1 thread\n"
            "        |-- 20 b  nstgid=20/5/1  (init)  (selected)\n"
            "        `-- pid:[310] level 3, 1 process, 1 thread\n"
            "            `-- 25 c  nstgid=25/7/3/1  (init)\n");
}

TEST(PidView, JoinsTheBranchesOfSeveralPids) {
  NamespaceGraph g = sample();
  View v = pid_view(g, procs(g, {30, 10}), std::nullopt);
  EXPECT_TRUE(v.path_only.contains(ns(100)));
  EXPECT_TRUE(v.selected.contains(ns(200)));
  EXPECT_TRUE(v.selected.contains(ns(400)));
  EXPECT_TRUE(v.marked.contains(10));
  EXPECT_TRUE(v.marked.contains(30));
  EXPECT_TRUE(v.shows_child(ns(100), ns(400)));
}

TEST(PidView, DrawsInFullWhatLiesInsideASelectedSubtree) {
  NamespaceGraph g = sample();
  View v = pid_view(g, procs(g, {10, 25}), std::nullopt);  // 300 leads to 310, but lies inside 200
  EXPECT_FALSE(v.path_only.contains(ns(300)));
  EXPECT_TRUE(v.shows_processes(ns(300)));
}

TEST(NsView, ShowsOnlyTheSubtree) {
  NamespaceGraph g = sample();
  View v = ns_view(g, {ns(300)}, std::nullopt);
  EXPECT_EQ(text(g, v),
            "pid:[300] level 2, 1 process, 1 thread\n"
            "|-- 20 b  nstgid=20/5/1  (init)\n"
            "`-- pid:[310] level 3, 1 process, 1 thread\n"
            "    `-- 25 c  nstgid=25/7/3/1  (init)\n");
}

TEST(NsView, DrawsANestedSelectionOnce) {
  NamespaceGraph g = sample();
  EXPECT_EQ(ns_view(g, {ns(310), ns(200)}, std::nullopt).tops, std::vector<NsId>{ns(200)});
}

TEST(NsView, RejectsANamespaceNotInTheGraph) {
  NamespaceGraph g = sample();
  EXPECT_THROW((void)ns_view(g, {ns(999)}, std::nullopt), std::runtime_error);
}

TEST(MaxDepth, SummarisesWhatItCuts) {
  NamespaceGraph g = sample();
  RenderOptions options{.walk = {.processes = false}, .unicode = false};
  std::string out;
  render_text(g, whole_view(g, 1), options, out);
  EXPECT_EQ(out,
            "pid:[100] level 0, 1 process, 1 thread\n"
            "|-- pid:[200] level 1, 2 processes, 2 threads\n"
            "|   `-- ... 2 namespaces with 2 processes below (--max-depth 1)\n"
            "`-- pid:[400] level 1, 1 process, 1 thread\n");
  out.clear();
  render_text(g, whole_view(g, 0), options, out);
  EXPECT_EQ(out,
            "pid:[100] level 0, 1 process, 1 thread\n"
            "`-- ... 4 namespaces with 5 processes below (--max-depth 0)\n");
}

TEST(MaxDepth, CountsOnlyWhatTheViewWouldDrawBelowTheCut) {
  NamespaceGraph g = sample();
  // --pid 25 --max-depth 1: below 200 the view draws 300 (on the way, no processes) and 310; the
  // sibling 400 under the host is not part of it either way.
  View v = pid_view(g, procs(g, {25}), 1);
  EXPECT_EQ(count_cut(g, v, ns(200)), (std::pair<std::size_t, std::size_t>{2, 1}));
  EXPECT_EQ(count_cut(g, whole_view(g, 1), ns(100)), (std::pair<std::size_t, std::size_t>{4, 5}));
  EXPECT_EQ(count_cut(g, whole_view(g, 1), ns(310)), (std::pair<std::size_t, std::size_t>{0, 0}));
}

}  // namespace
}  // namespace pidns
