// Tests of the BPF task iterator's decoder (scan/bpf_records) on records built here byte for
// byte, as the BPF program lays them out, and of the pure rules of scan/bpf_tasks.
#include <gtest/gtest.h>
#include <linux/types.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kernel/procfs.hpp"
#include "scan/bpf/task_record.h"
#include "scan/bpf_records.hpp"
#include "scan/bpf_tasks.hpp"

namespace pidns {
namespace {

constexpr std::uint32_t kHostNs = 4026531836u;  // the initial PID namespace's inode

/// A record as the program writes it: PIDs `pids` outermost first, namespace inodes kHostNs,
/// 1001, 1002, ...
pidns_task_record make(std::vector<std::uint32_t> pids, const char* comm = "sleep") {
  pidns_task_record r;
  std::memset(&r, 0, sizeof(r));
  r.tgid = pids.front();
  r.parent_tgid = 1;
  r.uid = 1000;
  r.nr_threads = 1;
  r.level = static_cast<std::uint32_t>(pids.size() - 1);
  std::strncpy(r.comm, comm, sizeof(r.comm) - 1);
  for (std::size_t i = 0; i < pids.size(); ++i) {
    r.levels[i] = {pids[i], i == 0 ? kHostNs : 1000 + static_cast<std::uint32_t>(i)};
  }
  return r;
}

/// The bytes the program writes for each record: its header and level + 1 levels.
std::string bytes(std::initializer_list<pidns_task_record> records) {
  std::string out;
  for (const pidns_task_record& r : records) {
    std::size_t levels = r.level < PIDNS_MAX_LEVELS ? r.level + 1 : 1;
    out.append(reinterpret_cast<const char*>(&r), task_record_size(levels));
  }
  return out;
}

/// Whether the decoder rejects this one record (and decodes nothing else from it).
bool rejected(const pidns_task_record& r) {
  DecodedTasks d = decode_task_records(bytes({r}));
  EXPECT_FALSE(d.incomplete || d.unframed);
  return d.rejected == 1 && d.tasks.empty();
}

std::vector<TaskLevel> levels_of(const TaskRecord& t) {
  return {t.levels().begin(), t.levels().end()};
}

TEST(BpfRecords, SizeIsTheProgramsLayout) {
  EXPECT_EQ(task_record_header_size(), 72u);
  EXPECT_EQ(task_record_size(1), 80u);
  EXPECT_EQ(task_record_size(33), 72u + 33 * 8);
  EXPECT_EQ(PIDNS_RECORD_SIZE(0), 80u);  // what the program passes to bpf_seq_write
  EXPECT_EQ(PIDNS_RECORD_SIZE(32), sizeof(pidns_task_record));
}

TEST(BpfRecords, DecodesEveryField) {
  pidns_task_record r = make({4242, 7, 1});
  r.parent_tgid = 4200;
  r.uid = 65534;
  r.nr_threads = 3;
  r.flags = PIDNS_PF_KTHREAD | PIDNS_PF_EXITING | 0x40;
  r.exit_state = PIDNS_EXIT_ZOMBIE;
  r.own_ns_id = 0x1234567890ull;
  r.own_userns = 4026531837u;
  r.own_userns_uid = 1000;
  r.css_set = 0xffff888812345678ull;
  DecodedTasks d = decode_task_records(bytes({r}));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.rejected, 0u);
  EXPECT_FALSE(d.incomplete || d.unframed);
  const TaskRecord& t = d.tasks[0];
  EXPECT_EQ(t.tgid, 4242);
  EXPECT_EQ(t.parent_tgid, 4200);
  EXPECT_EQ(t.uid, 65534u);
  EXPECT_EQ(t.threads, 3u);
  EXPECT_TRUE(t.kernel_thread);
  EXPECT_TRUE(t.exiting);
  EXPECT_TRUE(t.zombie);
  EXPECT_FALSE(t.dead);
  EXPECT_EQ(t.comm, "sleep");
  EXPECT_EQ(t.own_ns_id, 0x1234567890ull);
  EXPECT_EQ(t.own_userns, 4026531837u);
  EXPECT_EQ(t.own_userns_uid, 1000u);
  EXPECT_EQ(t.css_set, 0xffff888812345678ull);
  std::vector<TaskLevel> want{{4242, kHostNs}, {7, 1001}, {1, 1002}};
  EXPECT_EQ(levels_of(t), want);
}

TEST(BpfRecords, PlainProcessHasNoFlags) {
  DecodedTasks d = decode_task_records(bytes({make({1})}));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_FALSE(d.tasks[0].kernel_thread || d.tasks[0].exiting);
  EXPECT_FALSE(d.tasks[0].zombie || d.tasks[0].dead);
}

TEST(BpfRecords, EmptyInputIsNoTasks) {
  DecodedTasks d = decode_task_records("");
  EXPECT_TRUE(d.tasks.empty());
  EXPECT_EQ(d.rejected, 0u);
  EXPECT_FALSE(d.incomplete || d.unframed);
}

TEST(BpfRecords, RecordsTakeOnlyTheirLevels) {
  std::string b = bytes({make({10}), make({11, 2, 1}), make({12, 3})});
  EXPECT_EQ(b.size(), 80u + 96u + 88u);
  DecodedTasks d = decode_task_records(b);
  ASSERT_EQ(d.tasks.size(), 3u);
  EXPECT_EQ(d.tasks[1].levels().size(), 3u);
  EXPECT_EQ(d.tasks[2].levels()[1], (TaskLevel{3, 1001}));
}

TEST(BpfRecords, PartialRecordAtTheEndIsIncomplete) {
  std::string b = bytes({make({10}), make({11, 1})});
  DecodedTasks d = decode_task_records(std::string_view(b).substr(0, b.size() - 1));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.tasks[0].tgid, 10);
  EXPECT_TRUE(d.incomplete);
  // Inside the header, and inside the levels of a record whose header is whole.
  EXPECT_TRUE(decode_task_records(b.substr(0, 40)).incomplete);
  EXPECT_TRUE(decode_task_records(b.substr(0, 40)).tasks.empty());
  TaskRecord t;
  EXPECT_EQ(decode_task_record(b.substr(80, 83), t).status, RecordStatus::kIncomplete);
}

TEST(BpfRecords, ThirtyThreeLevelsAreTheMost) {
  std::vector<std::uint32_t> pids(33, 1);
  pids[0] = 500;
  DecodedTasks d = decode_task_records(bytes({make(pids)}));
  ASSERT_EQ(d.tasks.size(), 1u);
  EXPECT_EQ(d.tasks[0].levels().size(), 33u);
  EXPECT_EQ(d.tasks[0].levels().back(), (TaskLevel{1, 1032}));
  // MAX_PID_NS_LEVEL is 32: no such struct pid, and where the next record begins is unknown.
  for (std::uint32_t level : {33u, 0xFFFFFFFFu}) {
    pidns_task_record r = make(pids);
    r.level = level;
    DecodedTasks bad = decode_task_records(bytes({make({5}), r, make({6})}));
    ASSERT_EQ(bad.tasks.size(), 1u);
    EXPECT_TRUE(bad.unframed);
    EXPECT_EQ(bad.rejected, 0u);
  }
}

TEST(BpfRecords, TgidMustBeTheOutermostPid) {
  pidns_task_record r = make({300, 1});
  r.tgid = 301;
  EXPECT_TRUE(rejected(r));
}

TEST(BpfRecords, ANamespaceIsAtOneLevel) {
  pidns_task_record r = make({300, 1, 1});
  r.levels[2].ns_inum = r.levels[1].ns_inum;  // its own parent
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

TEST(BpfRecords, TheReservedFieldIsZero) {
  pidns_task_record r = make({300, 1});
  r.reserved = 1;  // a layout that disagrees with the program's
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
  pidns_task_record bad = make({6, 2});
  bad.tgid = 9;
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
  EXPECT_FALSE(d.incomplete);
  append_task_records("x", d);
  EXPECT_TRUE(d.incomplete);
}

TEST(BpfRecords, BytesNeedNotBeAligned) {
  std::string b = "x" + bytes({make({5, 2}), make({6, 3})});
  DecodedTasks d = decode_task_records(std::string_view(b).substr(1));
  ASSERT_EQ(d.tasks.size(), 2u);
  EXPECT_EQ(d.tasks[1].levels()[1].pid, 3);
}

TEST(BpfRecords, OneRecordObjectServesForEach) {
  // The scan decodes every record into the same TaskRecord: nothing of a longer one stays.
  std::string b = bytes({make({5, 2, 1}, "a long name"), make({6}, "sh")});
  TaskRecord t;
  RecordStep first = decode_task_record(b, t);
  ASSERT_EQ(first.status, RecordStatus::kTask);
  ASSERT_EQ(decode_task_record(std::string_view(b).substr(first.size), t).status,
            RecordStatus::kTask);
  EXPECT_EQ(t, decode_task_records(bytes({make({6}, "sh")})).tasks.at(0));
  EXPECT_EQ(t.levels().size(), 1u);
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

TEST(BpfKernel, ReleasesCompareByMajorAndMinor) {
  EXPECT_TRUE(kernel_release_at_least("5.17.0", 5, 17));
  EXPECT_TRUE(kernel_release_at_least("6.1.0-13-amd64", 5, 17));
  EXPECT_TRUE(kernel_release_at_least("6.18.44-fc-v1300", 5, 17));
  EXPECT_TRUE(kernel_release_at_least("5.17-rc1", 5, 17));
  EXPECT_FALSE(kernel_release_at_least("5.10.0-26-cloud-amd64", 5, 17));
  EXPECT_FALSE(kernel_release_at_least("5.9.0", 5, 17));
  EXPECT_FALSE(kernel_release_at_least("4.19.0", 5, 17));
  EXPECT_FALSE(kernel_release_at_least("", 5, 17));
  EXPECT_FALSE(kernel_release_at_least("6", 5, 17));
  EXPECT_FALSE(kernel_release_at_least("x.y", 5, 17));
}

}  // namespace
}  // namespace pidns
