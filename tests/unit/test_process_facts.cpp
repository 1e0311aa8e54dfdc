// Tests for what --watch reads per event, on the fixture procfs (tests/fixtures/proc); its ioctl
// path needs real namespaces: see tests/watch/.
#include <gtest/gtest.h>

#include <cstdlib>

#include "fixtures_dir.hpp"
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
