// Tests for the process reader on the fixture procfs in tests/fixtures/proc, and for LinuxSource's
// checks of its procfs root. The namespace climb needs real namespaces: see tests/integration/.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "fixtures_dir.hpp"
#include "scan/linux_source.hpp"
#include "scan/process_reader.hpp"

namespace pidns {
namespace {

using testing::fixtures_dir;

TEST(ProcessReader, ListsTheNumericEntriesInOrder) {
  UniqueFd root = open_at(AT_FDCWD, (fixtures_dir() + "/proc").c_str(), O_DIRECTORY);
  EXPECT_EQ(ProcessReader(root.get()).list(), (std::vector<pid_t>{1, 7, 42, 55, 66}));
}

TEST(ProcessReader, ReadsEveryProcessOfAFixtureProcfs) {
  UniqueFd root = open_at(AT_FDCWD, (fixtures_dir() + "/proc").c_str(), O_DIRECTORY);
  ProcessReader reader(root.get());
  ProcessBatch batch = reader.read(reader.list());
  ASSERT_EQ(batch.processes.size(), 2u);  // 1 and 42; 7 is malformed; sys/ is not a process
  const Process& init = batch.processes[0];
  const Process& evil = batch.processes[1];
  EXPECT_EQ(init.pid, 1);
  EXPECT_EQ(init.status.name, "init");
  // Its parent (PPid 0) is not among those read: its namespace is settled later.
  EXPECT_EQ(batch.found[0], NsFound::kAskParent);
  EXPECT_EQ(evil.pid, 42);
  EXPECT_EQ(evil.status.name, "evil\nname\\\x1b[2J");
  EXPECT_EQ(evil.status.uid, 1000u);
  EXPECT_EQ(evil.status.threads, 2u);
  // PID 1, its parent, was read before it at the same depth: no stat of its ns/pid.
  EXPECT_EQ(batch.found[1], NsFound::kAsParent);
  EXPECT_EQ(batch.malformed, std::vector<pid_t>{7});
  EXPECT_EQ(batch.vanished, 2u);  // 55/ has no status; 66/ is being reaped (NStgid 0)
  EXPECT_TRUE(batch.inaccessible.empty());
}

TEST(ProcessReader, ReadsAChunkWithoutTheParentAsAskParent) {
  UniqueFd root = open_at(AT_FDCWD, (fixtures_dir() + "/proc").c_str(), O_DIRECTORY);
  const pid_t only[] = {42};
  ProcessBatch batch = ProcessReader(root.get()).read(only);
  ASSERT_EQ(batch.processes.size(), 1u);
  EXPECT_EQ(batch.found[0], NsFound::kAskParent);
}

TEST(ProcessReader, StatsANamespaceFile) {
  UniqueFd root = open_at(AT_FDCWD, (fixtures_dir() + "/proc").c_str(), O_DIRECTORY);
  ProcessReader reader(root.get());
  EXPECT_NE(reader.stat_ns(1), reader.stat_ns(42));  // distinct files, distinct inodes
  EXPECT_THROW((void)reader.stat_ns(55), SysError);
}

TEST(LinuxSource, RefusesADirectoryThatIsNotAProcfs) {
  try {
    (void)LinuxSource(fixtures_dir() + "/proc").scan({});
    FAIL() << "scanned a plain directory as if it were procfs";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a procfs mount"), std::string::npos) << e.what();
  }
}

TEST(LinuxSource, RefusesADirectoryInsideAProcfs) {
  for (const char* inside : {"/proc/sys", "/proc/self/task", "/proc/self"}) {
    try {
      (void)LinuxSource(inside).scan({});
      FAIL() << "scanned " << inside << " as if it were a procfs root";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("lies inside a procfs mount"), std::string::npos)
          << e.what();
    }
  }
}

TEST(LinuxSource, NamesAMissingRootInItsError) {
  try {
    (void)LinuxSource("/nonexistent/proc").scan({});
    FAIL() << "scanned a missing directory";
  } catch (const SysError& e) {
    EXPECT_EQ(e.err(), ENOENT);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/proc"), std::string::npos) << e.what();
  }
}

TEST(LinuxSource, ScansTheRealProcfs) {
  Scan scan = LinuxSource("/proc").scan({});
  EXPECT_FALSE(scan.processes.empty());
  ASSERT_TRUE(scan.self.has_value());
  EXPECT_TRUE(scan.namespaces.contains(*scan.self));
  bool found_self = false;
  for (const Process& p : scan.processes) found_self |= p.status.nstgid.back() == getpid();
  EXPECT_TRUE(found_self);
  EXPECT_TRUE(std::is_sorted(scan.processes.begin(), scan.processes.end(),
                             [](const Process& a, const Process& b) { return a.pid < b.pid; }));
}

}  // namespace
}  // namespace pidns
