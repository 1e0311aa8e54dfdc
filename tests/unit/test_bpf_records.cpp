// Tests of the BPF task iterator's decoder (scan/bpf_records) on records built here byte for
// byte, as the BPF program lays them out, and of the capability rule of scan/bpf_tasks.
#include <gtest/gtest.h>
#include <linux/types.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "scan/bpf/task_record.h"
#include "scan/bpf_records.hpp"
#include "scan/bpf_tasks.hpp"

namespace pidns {
namespace {

constexpr std::uint32_t kHostNs = 4026531836u;  // the initial PID namespace's inode

/// A record as the program writes it: PIDs `pids` outermost first, namespace inodes
/// kHostNs, 1001, 1002, ... each the parent of the next.
pidns_task_record make(std::vector<std::uint32_t> pids, const char* comm = "sleep") {
  pidns_task_record r;
  std::memset(&r, 0, sizeof(r));
  r.tgid = pids.front();
  r.parent_tgid = 1;
  r.uid = 1000;
  r.nr_threads = 1;
  r.level = static_cast<std::uint32_t>(pids.size() - 1);
  std::strncpy(r.comm, comm, sizeof(r.comm) - 1);
  std::uint32_t above = 0;
  for (std::size_t i = 0; i < pids.size(); ++i) {
    std::uint32_t ns = i == 0 ? kHostNs : 1000 + static_cast<std::uint32_t>(i);
    r.levels[i] = {pids[i], ns, above};
    above = ns;
  }
  return r;
}

std::string bytes(std::initializer_list<pidns_task_record> records) {
  std::string out;
  for (const pidns_task_record& r : records) {
    out.append(reinterpret_cast<const char*>(&r), sizeof(r));
  }
  return out;
}

/// Whether the decoder rejects this one record (and decodes nothing else from it).
bool rejected(const pidns_task_record& r) {
  DecodedTasks d = decode_task_records(bytes({r}));
  EXPECT_FALSE(d.truncated);
  return d.rejected == 1 && d.tasks.empty();
}

TEST(BpfRecords, SizeIsTheProgramsLayout) { EXPECT_EQ(task_record_size(), 440u); }

TEST(BpfRecords, DecodesEveryField) {
  pidns_task_record r = make({4242, 7, 1});
  r.parent_tgid = 4200;
  r.uid = 65534;
  r.nr_threads = 3;
  r.flags = PIDNS_PF_KTHREAD | PIDNS_PF_WQ_WORKER | 0x40;
  r.exit_state = PIDNS_EXIT_ZOMBIE;
  DecodedTasks d = decode_task_records(bytes({r}));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.rejected, 0u);
  EXPECT_FALSE(d.truncated);
  const TaskRecord& t = d.tasks[0];
  EXPECT_EQ(t.tgid, 4242);
  EXPECT_EQ(t.parent_tgid, 4200);
  EXPECT_EQ(t.uid, 65534u);
  EXPECT_EQ(t.threads, 3u);
  EXPECT_TRUE(t.kernel_thread);
  EXPECT_TRUE(t.workqueue_worker);
  EXPECT_TRUE(t.zombie);
  EXPECT_FALSE(t.dead);
  EXPECT_EQ(t.comm, "sleep");
  std::vector<TaskLevel> want{{4242, kHostNs, 0}, {7, 1001, kHostNs}, {1, 1002, 1001}};
  EXPECT_EQ(t.levels, want);
}

TEST(BpfRecords, PlainProcessHasNoFlags) {
  DecodedTasks d = decode_task_records(bytes({make({1})}));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_FALSE(d.tasks[0].kernel_thread || d.tasks[0].workqueue_worker);
  EXPECT_FALSE(d.tasks[0].zombie || d.tasks[0].dead);
}

TEST(BpfRecords, EmptyInputIsNoTasks) {
  DecodedTasks d = decode_task_records("");
  EXPECT_TRUE(d.tasks.empty());
  EXPECT_EQ(d.rejected, 0u);
  EXPECT_FALSE(d.truncated);
}

TEST(BpfRecords, PartialRecordAtTheEndIsTruncated) {
  std::string b = bytes({make({10}), make({11})});
  DecodedTasks d = decode_task_records(std::string_view(b).substr(0, b.size() - 1));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.tasks[0].tgid, 10);
  EXPECT_TRUE(d.truncated);
  EXPECT_TRUE(decode_task_records(b.substr(0, 100)).truncated);
  EXPECT_TRUE(decode_task_records(b.substr(0, 100)).tasks.empty());
}

TEST(BpfRecords, ThirtyThreeLevelsAreTheMost) {
  std::vector<std::uint32_t> pids(33, 1);
  pids[0] = 500;
  DecodedTasks d = decode_task_records(bytes({make(pids)}));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.tasks[0].levels.size(), 33u);
  EXPECT_EQ(d.tasks[0].levels.back(), (TaskLevel{1, 1032, 1031}));
  pidns_task_record r = make(pids);
  r.level = 33;  // MAX_PID_NS_LEVEL is 32: no such struct pid, and no room for it
  EXPECT_TRUE(rejected(r));
  r.level = 0xFFFFFFFFu;
  EXPECT_TRUE(rejected(r));
}

TEST(BpfRecords, TgidMustBeTheOutermostPid) {
  pidns_task_record r = make({300, 1});
  r.tgid = 301;
  EXPECT_TRUE(rejected(r));
}

TEST(BpfRecords, NamespacesMustChain) {
  pidns_task_record r = make({300, 1, 1});
  r.levels[2].parent_inum = 999;  // not the namespace one level up
  EXPECT_TRUE(rejected(r));
  r = make({300});
  r.levels[0].parent_inum = 5;  // the initial namespace has no parent
  EXPECT_TRUE(rejected(r));
}

TEST(BpfRecords, EveryLevelNeedsAPidAndANamespace) {
  pidns_task_record r = make({300, 1});
  r.levels[1].nr = 0;
  EXPECT_TRUE(rejected(r));
  r = make({300, 1});
  r.levels[1].ns_inum = 0;
  EXPECT_TRUE(rejected(r));
  r = make({0});
  EXPECT_TRUE(rejected(r));
  r = make({4u * 1024 * 1024 + 1});  // above PID_MAX_LIMIT
  EXPECT_TRUE(rejected(r));
  EXPECT_FALSE(rejected(make({4u * 1024 * 1024})));
}

TEST(BpfRecords, NothingMayFollowTheLastLevel) {
  pidns_task_record r = make({300, 1});
  r.levels[2].nr = 5;  // a layout that disagrees with the program's
  EXPECT_TRUE(rejected(r));
  r = make({300, 1});
  r.levels[32].parent_inum = 1;
  EXPECT_TRUE(rejected(r));
}

TEST(BpfRecords, CommIsRawBytesUpToItsNul) {
  DecodedTasks d = decode_task_records(bytes({make({5}, "ev\\il\n\xff x")}));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.tasks[0].comm, "ev\\il\n\xff x");
  d = decode_task_records(bytes({make({5}, "123456789012345")}));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.tasks[0].comm, "123456789012345");
  d = decode_task_records(bytes({make({5}, "")}));  // prctl(PR_SET_NAME, "") is allowed
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.tasks[0].comm, "");
  pidns_task_record r = make({5});
  std::memset(r.comm, 'a', sizeof(r.comm));  // the kernel always terminates it
  EXPECT_TRUE(rejected(r));
}

TEST(BpfRecords, ImpossibleCountsAndStatesAreRejected) {
  pidns_task_record r = make({5});
  r.nr_threads = -1;
  EXPECT_TRUE(rejected(r));
  r = make({5});
  r.exit_state = 64;
  EXPECT_TRUE(rejected(r));
  r = make({5});
  r.exit_state = PIDNS_EXIT_ZOMBIE | PIDNS_EXIT_DEAD;  // EXIT_TRACE
  EXPECT_FALSE(rejected(r));
  r = make({5});
  r.parent_tgid = 0;  // a child of the idle task: PID 1, kthreadd
  EXPECT_FALSE(rejected(r));
  r.parent_tgid = 0x80000000u;
  EXPECT_TRUE(rejected(r));
}

TEST(BpfRecords, ABadRecordDoesNotHideTheNext) {
  pidns_task_record bad = make({6});
  bad.level = 40;
  DecodedTasks d = decode_task_records(bytes({make({5}), bad, make({7})}));
  ASSERT_EQ(d.tasks.size(), 2u);
  EXPECT_EQ(d.tasks[0].tgid, 5);
  EXPECT_EQ(d.tasks[1].tgid, 7);
  EXPECT_EQ(d.rejected, 1u);
}

TEST(BpfRecords, AppendsReadAfterRead) {
  DecodedTasks d;
  append_task_records(bytes({make({5}), make({6})}), d);
  pidns_task_record bad = make({7});
  bad.tgid = 8;
  append_task_records(bytes({bad, make({9})}), d);
  ASSERT_EQ(d.tasks.size(), 3u);
  EXPECT_EQ(d.tasks[2].tgid, 9);
  EXPECT_EQ(d.rejected, 1u);
  EXPECT_FALSE(d.truncated);
  append_task_records("x", d);
  EXPECT_TRUE(d.truncated);
}

TEST(BpfRecords, BytesNeedNotBeAligned) {
  std::string b = "x" + bytes({make({5, 2}), make({6, 3})});
  DecodedTasks d = decode_task_records(std::string_view(b).substr(1));
  ASSERT_EQ(d.tasks.size(), 2u);
  EXPECT_EQ(d.tasks[1].levels[1].pid, 3);
}

TEST(BpfCapabilities, NamesWhatIsMissing) {
  const std::uint64_t bpf = 1ull << kCapBpf, perfmon = 1ull << kCapPerfmon;
  EXPECT_EQ(missing_bpf_capabilities(0), "CAP_BPF and CAP_PERFMON");
  EXPECT_EQ(missing_bpf_capabilities(bpf), "CAP_PERFMON");
  EXPECT_EQ(missing_bpf_capabilities(perfmon), "CAP_BPF");
  EXPECT_EQ(missing_bpf_capabilities(bpf | perfmon), "");
  EXPECT_EQ(missing_bpf_capabilities(0x000001fffeffffffull), "");  // root here
  EXPECT_EQ(missing_bpf_capabilities(~(bpf | perfmon)), "");       // CAP_SYS_ADMIN stands in
  EXPECT_EQ(missing_bpf_capabilities(~(bpf | perfmon | (1ull << kCapSysAdmin))),
            "CAP_BPF and CAP_PERFMON");
}

}  // namespace
}  // namespace pidns
