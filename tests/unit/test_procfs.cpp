// Tests for the pure parsers of /proc text.
#include <gtest/gtest.h>

#include "kernel/procfs.hpp"

namespace pidns {
namespace {

constexpr const char* kStatus =
    "Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\nPid:\t4242\n"
    "PPid:\t4100\nTracerPid:\t0\nUid:\t1000\t1001\t1002\t1003\nGid:\t1000\t1000\t1000\t1000\n"
    "FDSize:\t256\nGroups:\t4 24 27 \nNStgid:\t4242\t7\t1\nNSpid:\t4242\t7\t1\n"
    "NSpgid:\t4242\t7\t1\nNSsid:\t4100\t0\t0\nVmPeak:\t    8212 kB\nThreads:\t3\n"
    "SigQ:\t0/62535\n";

TEST(ParseStatus, ReadsNameIdsNStgidAndThreads) {
  std::optional<ProcStatus> st = parse_status(kStatus);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->name, "bash");
  EXPECT_EQ(st->ppid, 4100);
  EXPECT_EQ(st->uid, 1000u);  // the real UID: the first of four
  EXPECT_EQ(st->nstgid, (LevelPids{4242, 7, 1}));
  EXPECT_EQ(st->threads, 3u);
}

TEST(ParseStatus, UndoesTheKernelsNameEscaping) {
  // proc_task_name() escapes only '\n' and '\\'; everything else arrives raw.
  std::optional<ProcStatus> st =
      parse_status("Name:\ta\\nb\\\\c\td\x1b[2J\xff\nPPid:\t0\nUid:\t0\t0\t0\t0\nNStgid:\t1\n");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->name, "a\nb\\c\td\x1b[2J\xff");
}

TEST(ParseStatus, AcceptsAnEmptyName) {
  std::optional<ProcStatus> st = parse_status("Name:\t\nPPid:\t0\nUid:\t0\nNStgid:\t5\n");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->name, "");
}

TEST(ParseStatus, ThreadsDefaultsToOneWhenAbsent) {
  EXPECT_EQ(parse_status("Name:\tx\nPPid:\t0\nUid:\t0\nNStgid:\t5\n")->threads, 1u);
}

TEST(ParseStatus, FirstOccurrenceOfAKeyWins) {
  std::optional<ProcStatus> st =
      parse_status("Name:\tfirst\nName:\tsecond\nPPid:\t1\nPPid:\t2\nUid:\t0\nNStgid:\t9\n");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->name, "first");
  EXPECT_EQ(st->ppid, 1);
}

TEST(ParseStatus, SeesATaskBeingReaped) {
  // task_tgid_nr_ns() gives 0 once the task's PIDs are detached, and the line may be empty: found
  // by the churn test, where such processes were wrongly counted as malformed.
  for (const char* nstgid : {"NStgid:\t0\n", "NStgid:\t4242\t0\n", "NStgid:\t\n", "NStgid:\n"}) {
    std::optional<ProcStatus> st =
        parse_status(std::string("Name:\tx\nPPid:\t0\nUid:\t0\n") + nstgid);
    ASSERT_TRUE(st.has_value()) << nstgid;
    EXPECT_TRUE(st->exiting) << nstgid;
  }
  EXPECT_FALSE(parse_status("Name:\tx\nPPid:\t0\nUid:\t0\nNStgid:\t5\t1\n")->exiting);
}

TEST(ParseStatus, TellsAZombieByItsState) {
  const char* base = "Name:\tx\nPPid:\t0\nUid:\t0\nNStgid:\t5\t1\n";
  EXPECT_FALSE(parse_status(std::string("State:\tZ (zombie)\n") + base)->live());
  EXPECT_FALSE(parse_status(std::string("State:\tX (dead)\n") + base)->live());
  EXPECT_TRUE(parse_status(std::string("State:\tS (sleeping)\n") + base)->live());
  EXPECT_TRUE(parse_status(base)->live());  // State is not required
}

TEST(ParseStatus, TakesAllThirtyThreeLevels) {
  std::string nstgid = "NStgid:";
  for (int i = 33; i >= 1; --i) nstgid += "\t" + std::to_string(i);
  std::optional<ProcStatus> st = parse_status("Name:\tx\nPPid:\t0\nUid:\t0\n" + nstgid + "\n");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->nstgid.size(), 33u);
  EXPECT_EQ(st->nstgid.back(), 1);
}

TEST(ParseStatus, RejectsThirtyFourLevels) {
  std::string nstgid = "NStgid:";
  for (int i = 34; i >= 1; --i) nstgid += "\t" + std::to_string(i);
  EXPECT_FALSE(parse_status("Name:\tx\nPPid:\t0\nUid:\t0\n" + nstgid + "\n").has_value());
}

class ParseStatusRejects : public ::testing::TestWithParam<const char*> {};

TEST_P(ParseStatusRejects, MalformedInput) {
  EXPECT_FALSE(parse_status(GetParam()).has_value()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, ParseStatusRejects,
    ::testing::Values("",                                                     // empty
                      "Name:\tx\n",                                           // truncated
                      "Name:\tx\nPPid:\t0\nUid:\t0\n",                        // no NStgid (< 4.1)
                      "PPid:\t0\nUid:\t0\nNStgid:\t1\n",                      // no Name
                      "Name:\tx\nUid:\t0\nNStgid:\t1\n",                      // no PPid
                      "Name:\tx\nPPid:\t0\nNStgid:\t1\n",                     // no Uid
                      "Name:\tx\nPPid:\t1x\nUid:\t0\nNStgid:\t1\n",           // trailing junk
                      "Name:\tx\nPPid:\t-1\nUid:\t0\nNStgid:\t1\n",           // sign
                      "Name:\tx\nPPid:\t 1\nUid:\t0\nNStgid:\t1\n",           // space
                      "Name:\tx\nPPid:\t0\nUid:\tx\nNStgid:\t1\n",            // not a number
                      "Name:\tx\nPPid:\t0\nUid:\t0\nNStgid:\t1\t\n",          // trailing tab
                      "Name:\tx\nPPid:\t0\nUid:\t0\nNStgid:\t1\t\t2\n",       // empty field
                      "Name:\tx\nPPid:\t0\nUid:\t0\nNStgid:\t99999999999\n",  // overflow
                      "Name:\tx\nPPid:\t0\nUid:\t0\nNStgid:\t1\nThreads:\tmany\n",
                      "Name:\tbad\\q\nPPid:\t0\nUid:\t0\nNStgid:\t1\n",   // unknown escape
                      "Name:\tbad\\\nPPid:\t0\nUid:\t0\nNStgid:\t1\n"));  // dangling escape

TEST(ParseNsfsMounts, FindsPidNamespaceBindMounts) {
  std::vector<NsfsMount> mounts = parse_nsfs_mounts(
      "22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
      "310 22 0:4 pid:[4026532200] /run/pidns/web rw shared:7 - nsfs nsfs rw\n"
      "311 22 0:4 net:[4026532300] /run/netns/web rw shared:8 - nsfs nsfs rw\n"
      "312 22 0:4 pid:[4026532201] /tmp/with\\040space\\134x rw - nsfs nsfs rw\n"
      "313 22 0:4 pid:[4026532202] /no-optional-fields rw - nsfs nsfs rw");
  EXPECT_EQ(mounts, (std::vector<NsfsMount>{{310, "/run/pidns/web", 4026532200},
                                            {312, "/tmp/with space\\x", 4026532201},
                                            {313, "/no-optional-fields", 4026532202}}));
}

TEST(ParseNsfsMounts, SkipsMalformedLines) {
  for (const char* bad :
       {"", "garbage", "1 2 0:4 pid:[x] /a rw - nsfs nsfs rw",
        "1 2 0:4 pid:[] /a rw - nsfs nsfs rw", "1 2 0:4 pid:[5] a rw - nsfs nsfs rw",
        "1 2 0:4 pid:[5] /a\\09 rw - nsfs nsfs rw", "1 2 pid:[5] - nsfs nsfs rw",
        "1 2 0:4 pid:[5] /a rw - tmpfs nsfs rw"}) {
    EXPECT_TRUE(parse_nsfs_mounts(bad).empty()) << bad;
  }
}

TEST(ParsePid, AcceptsPlainPositiveDecimals) {
  EXPECT_EQ(parse_pid("1"), 1);
  EXPECT_EQ(parse_pid("4194304"), 4194304);
}

TEST(ParsePid, RejectsEverythingElse) {
  for (const char* bad : {"", "0", "01", "-1", "+1", "self", "1a", "thread-self", "99999999999"}) {
    EXPECT_FALSE(parse_pid(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace pidns

namespace pidns {
namespace {

struct KthreadCase {
  const char* what;
  const char* lines;  // status lines beside Name, Uid and NStgid
  bool want;
};

class KernelThreadRule : public ::testing::TestWithParam<KthreadCase> {};

TEST_P(KernelThreadRule, Holds) {
  const KthreadCase& c = GetParam();
  std::optional<ProcStatus> st =
      parse_status(std::string("Name:\tkworker/0:1\nUid:\t0\t0\t0\t0\nNStgid:\t5\n") + c.lines);
  ASSERT_TRUE(st.has_value()) << c.what;
  EXPECT_EQ(st->kernel_thread, c.want) << c.what;
}

TEST(ParseLoadavgThreads, TakesTheTotalOfTheFourthField) {
  EXPECT_EQ(parse_loadavg_threads("0.00 0.01 0.05 2/10113 10437\n"), 10113u);
  EXPECT_EQ(parse_loadavg_threads("312.95 187.09 82.58 300/4194304 4194303"), 4194304u);
}

TEST(ParseLoadavgThreads, RefusesOtherShapes) {
  EXPECT_EQ(parse_loadavg_threads(""), std::nullopt);
  EXPECT_EQ(parse_loadavg_threads("0.00 0.01 0.05 10113 10437\n"), std::nullopt);  // no slash
  EXPECT_EQ(parse_loadavg_threads("0.00 0.01 0.05 2/ 10437\n"), std::nullopt);
  EXPECT_EQ(parse_loadavg_threads("0.00 0.01 0.05 2/-1 10437\n"), std::nullopt);
  EXPECT_EQ(parse_loadavg_threads("0.00 0.01 2/10113 10437\n"), std::nullopt);  // slash later
  EXPECT_EQ(parse_loadavg_threads("0.00 0.01 0.05 2/10113"), std::nullopt);     // cut short
}

INSTANTIATE_TEST_SUITE_P(
    TheKernelsMarks, KernelThreadRule,
    ::testing::Values(
        KthreadCase{"Kthread: 1", "State:\tI (idle)\nPPid:\t2\nKthread:\t1\n", true},
        // The kernel's own line wins over everything else, the name above included.
        KthreadCase{"Kthread: 0, named like one", "State:\tS (sleeping)\nPPid:\t2\nKthread:\t0\n",
                    false},
        // Older kernels (Debian 12's 6.1): no memory map, alive, started by kthreadd.
        KthreadCase{"no Vm lines, PPid 2", "State:\tI (idle)\nPPid:\t2\n", true},
        KthreadCase{"kthreadd itself", "State:\tS (sleeping)\nPPid:\t0\n", true},
        // A user-mode helper (modprobe, systemd-coredump) is started by kthreadd but has a map.
        KthreadCase{"a usermode helper", "State:\tR (running)\nPPid:\t2\nVmSize:\t  4 kB\n", false},
        // A zombie has no map either.
        KthreadCase{"a zombie child of kthreadd", "State:\tZ (zombie)\nPPid:\t2\n", false},
        KthreadCase{"no map, but another parent", "State:\tS (sleeping)\nPPid:\t1\n", false},
        KthreadCase{"no State line", "PPid:\t2\n", false}));

}  // namespace
}  // namespace pidns
