// Tests for LinuxSource's procfs reader, on the fixture tree in tests/fixtures/proc. Its ioctl
// path needs real namespaces: see tests/integration/.
#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "source.hpp"
#include "temp_root.hpp"

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

// A procfs of plain files with a dockerd and a container's init, and a host root with the
// container's state file where that dockerd's command line says.
struct NamedContainerHost {
  static constexpr const char* kId =
      "0863501e45d8a1c2b3d4e5f60718293a4b5c6d7e8f90123456789abcdef01234";
  testing::TempRoot proc, host;
  NamedContainerHost() {
    auto status = [](const std::string& name, int pid, int uid) {
      return "Name:\t" + name + "\nPid:\t" + std::to_string(pid) + "\nPPid:\t0\nUid:\t" +
             std::to_string(uid) + "\t0\t0\t0\nNStgid:\t" + std::to_string(pid) + "\n";
    };
    proc.write("/10/status", status("dockerd", 10, 0));
    proc.write("/10/ns/pid", "");
    proc.write("/10/cmdline", std::string("/usr/sbin/dockerd\0--data-root=/data\0", 36));
    proc.write("/10/cgroup", "0::/system.slice/docker.service\n");
    proc.write("/20/status", status("sleep", 20, 0));
    proc.write("/20/ns/pid", "");
    proc.write("/20/cgroup", std::string("0::/docker/") + kId + "\n");
    host.write(std::string("/data/containers/") + kId + "/config.v2.json",
               std::string(R"({"ID":")") + kId + R"(","Name":"/shop-web"})");
  }
  [[nodiscard]] Scan scan(const ScanRequest& request) const {
    return LinuxSource(proc.path(), /*require_procfs=*/false).scan(request);
  }
};

const NsInfo& info_of(const Scan& scan, pid_t pid) {
  for (const Process& p : scan.processes) {
    if (p.pid == pid) return scan.namespaces.at(p.ns);
  }
  throw std::logic_error("no such process in the scan");
}

TEST(LinuxSource, NamesContainersFromTheHostRootDuringTheScan) {
  NamedContainerHost h;
  ScanRequest request;
  request.cgroups = true;
  request.host_root = h.host.path();
  Scan scan = h.scan(request);
  EXPECT_EQ(info_of(scan, 20).names.name, "shop-web");
  EXPECT_TRUE(info_of(scan, 10).names.empty());  // a systemd service has no state file
  EXPECT_FALSE(scan.names_skipped);
}

TEST(LinuxSource, NoHostRootNoNames) {
  NamedContainerHost h;
  ScanRequest request;
  request.cgroups = true;
  Scan scan = h.scan(request);
  EXPECT_TRUE(info_of(scan, 20).names.empty());
  EXPECT_FALSE(scan.names_skipped);
}

TEST(LinuxSource, SkipsNamesWhenTheDefaultRootNeedNotBeTheProcfssHosts) {
  // This procfs cannot be told to be pidns-tree's own: "/" is a guess the scan does not make.
  NamedContainerHost h;
  ScanRequest request;
  request.cgroups = true;
  request.host_root = h.host.path();
  request.host_root_default = true;
  Scan scan = h.scan(request);
  EXPECT_TRUE(info_of(scan, 20).names.empty());
  EXPECT_TRUE(scan.names_skipped);
}

TEST(LinuxSource, AHostWithoutContainersOpensNoHostRoot) {
  NamedContainerHost h;
  std::filesystem::remove_all(h.proc.at("/20"));
  ScanRequest request;
  request.cgroups = true;
  request.host_root = "/nonexistent/host-root";  // would throw, were it opened
  request.host_root_default = true;              // and would be reported, were it needed
  Scan scan = h.scan(request);
  EXPECT_FALSE(scan.names_skipped);
}

}  // namespace
}  // namespace pidns
