// Tests for LinuxSource's procfs reader, on the fixture tree in tests/fixtures/proc. Its ioctl
// path needs real namespaces: see tests/integration/.
#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "source.hpp"

namespace pidns {
namespace {

std::string fixtures() {
  const char* dir = std::getenv("PIDNS_FIXTURES");
  return dir ? dir : "tests/fixtures";
}

TEST(LinuxSource, ReadsEveryProcessOfAFixtureProcfs) {
  LinuxSource source(fixtures() + "/proc", /*require_procfs=*/false);
  Scan scan = source.scan({});
  ASSERT_EQ(scan.processes.size(), 2u);  // 1 and 42; 7 is malformed; sys/ is not a process
  std::sort(scan.processes.begin(), scan.processes.end(),
            [](const Process& a, const Process& b) { return a.pid < b.pid; });
  EXPECT_EQ(scan.processes[0].pid, 1);
  EXPECT_EQ(scan.processes[0].status.name, "init");
  EXPECT_EQ(scan.processes[1].pid, 42);
  EXPECT_EQ(scan.processes[1].status.name, "evil\nname\\\x1b[2J");
  EXPECT_EQ(scan.processes[1].status.uid, 1000u);
  EXPECT_EQ(scan.processes[1].status.threads, 2u);
  EXPECT_NE(scan.processes[0].ns, scan.processes[1].ns);  // distinct files, distinct inodes
  EXPECT_EQ(scan.malformed, std::vector<pid_t>{7});
  EXPECT_EQ(scan.vanished, 2u);  // 55/ has no ns/pid; 66/ is being reaped (NStgid 0)
  EXPECT_TRUE(scan.inaccessible.empty());
  EXPECT_EQ(scan.namespaces.size(), 2u);
  EXPECT_EQ(scan.proc_root, fixtures() + "/proc");
}

TEST(LinuxSource, RefusesADirectoryThatIsNotAProcfs) {
  LinuxSource source(fixtures() + "/proc");
  try {
    (void)source.scan({});
    FAIL() << "scanned a plain directory as if it were procfs";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a procfs mount"), std::string::npos) << e.what();
  }
}

TEST(LinuxSource, NamesAMissingRootInItsError) {
  LinuxSource source("/nonexistent/proc");
  try {
    (void)source.scan({});
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
}

}  // namespace
}  // namespace pidns
