// Tests for what --watch reads per event, on the fixture procfs (tests/fixtures/proc); its ioctl
// path needs real namespaces: see tests/watch/.
#include <gtest/gtest.h>

#include <cstdlib>

#include "fixtures_dir.hpp"
#include "temp_root.hpp"
#include "watch/process_facts.hpp"

namespace pidns {
namespace {

using testing::fixtures_dir;

TEST(LinuxProcessFacts, ReadsAStatusAndNothingOfAProcessThatIsGone) {
  LinuxProcessFacts facts(fixtures_dir() + "/proc");
  std::optional<ProcStatus> st = facts.status(42);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->name, "evil\nname\\\x1b[2J");
  EXPECT_EQ(st->nstgid, LevelPids{42});
  EXPECT_EQ(facts.status(4242), std::nullopt);
  EXPECT_EQ(facts.namespace_of(4242), std::nullopt);
  EXPECT_EQ(facts.container(42), std::nullopt);  // the fixture has no cgroup file
}

std::string thread_status(pid_t tgid, pid_t tid, char state) {
  return "Name:\tinit\nState:\t" + std::string(1, state) + " (x)\nTgid:\t" + std::to_string(tgid) +
         "\nPPid:\t1\nUid:\t0\t0\t0\t0\nNStgid:\t" + std::to_string(tgid) + "\t1\nNSpid:\t" +
         std::to_string(tid) + "\t2\nThreads:\t3\n";
}

TEST(LinuxProcessFacts, TellsWhetherAThreadOfAProcessLives) {
  testing::TempRoot proc;
  // A zombie leader, a thread a tracer has not reaped yet, and (in 301) one that still runs;
  // 305's leader runs alone.
  proc.write("300/task/300/status", thread_status(300, 300, 'Z'));
  proc.write("300/task/302/status", thread_status(300, 302, 'Z'));
  proc.write("301/task/301/status", thread_status(301, 301, 'Z'));
  proc.write("301/task/303/status", thread_status(301, 303, 'Z'));
  proc.write("301/task/304/status", thread_status(301, 304, 'S'));
  proc.write("305/task/305/status", thread_status(305, 305, 'S'));
  LinuxProcessFacts facts(proc.path());
  EXPECT_FALSE(facts.thread_lives(300));
  EXPECT_TRUE(facts.thread_lives(301));
  EXPECT_TRUE(facts.thread_lives(305));
  EXPECT_FALSE(facts.thread_lives(306));  // gone
}

TEST(LinuxProcessFacts, FailsForAMissingProcfs) {
  EXPECT_THROW(LinuxProcessFacts(fixtures_dir() + "/no-such-proc"), SysError);
}

TEST(ParseCapEff, ReadsTheEffectiveSet) {
  EXPECT_EQ(parse_cap_eff("Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n"),
            0x000001ffffffffffu);
  EXPECT_EQ(parse_cap_eff("CapEff:\t0000000000001000"), 0x1000u);
  EXPECT_EQ(parse_cap_eff("CapPrm:\t1\n"), std::nullopt);
  EXPECT_EQ(parse_cap_eff("CapEff:\t\n"), std::nullopt);
  EXPECT_EQ(parse_cap_eff("CapEff:\t12xz\n"), std::nullopt);
}

}  // namespace
}  // namespace pidns
