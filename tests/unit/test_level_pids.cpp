// LevelPids: its inline and heap storage must behave like a std::vector<pid_t> in every transition
// (ASan in CI checks the frees).
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "kernel/level_pids.hpp"

namespace pidns {
namespace {

std::vector<pid_t> as_vector(const LevelPids& l) { return {l.begin(), l.end()}; }

// 1..n, as long as an NStgid line can be.
LevelPids counting(int n) {
  LevelPids l;
  for (int i = 1; i <= n; ++i) l.push_back(i);
  return l;
}

TEST(LevelPids, GrowsFromInlineToHeapKeepingOrder) {
  for (int n : {0, 1, 4, 5, 33}) {
    LevelPids l = counting(n);
    ASSERT_EQ(l.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) EXPECT_EQ(l[i], i + 1) << n;
    if (n > 0) {
      EXPECT_EQ(l.back(), n);
      EXPECT_EQ(l.front(), 1);
    }
  }
}

TEST(LevelPids, CopiesAreIndependentInlineAndOnTheHeap) {
  for (int n : {3, 9}) {
    LevelPids a = counting(n);
    LevelPids b = a;
    b.back() = 100;
    EXPECT_EQ(a.back(), n);
    EXPECT_EQ(b.back(), 100);
    LevelPids c = counting(2);
    c = a;  // a short list takes a long one, and the other way round
    EXPECT_EQ(c, a);
    a = counting(1);
    EXPECT_EQ(as_vector(a), std::vector<pid_t>{1});
    EXPECT_EQ(c.size(), static_cast<std::size_t>(n));
  }
}

TEST(LevelPids, MovesLeaveTheSourceEmptyAndUsable) {
  for (int n : {2, 12}) {
    LevelPids a = counting(n);
    LevelPids b = std::move(a);
    EXPECT_EQ(b, counting(n));
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the documented moved-from state
    a.push_back(7);
    EXPECT_EQ(as_vector(a), std::vector<pid_t>{7});
    LevelPids c = counting(6);
    c = std::move(b);
    EXPECT_EQ(c, counting(n));
  }
}

TEST(LevelPids, SelfAssignmentKeepsTheList) {
  LevelPids a = counting(8);
  const LevelPids& same = a;
  a = same;
  EXPECT_EQ(a, counting(8));
}

TEST(LevelPids, AssignFillsAndEqualityComparesContents) {
  LevelPids a;
  a.assign(6, 7);
  EXPECT_EQ(as_vector(a), std::vector<pid_t>(6, 7));
  a.assign(2, 1);
  EXPECT_EQ(a, (LevelPids{1, 1}));
  EXPECT_NE(a, (LevelPids{1}));
  EXPECT_NE(a, (LevelPids{1, 2}));
  std::vector<pid_t> v{4, 5, 6, 7, 8};
  EXPECT_EQ(as_vector(LevelPids(v)), v);
}

}  // namespace
}  // namespace pidns
