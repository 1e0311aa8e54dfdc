// Tests for CgroupFs and parse_cgroup_mounts: which hierarchy a /proc/PID/cgroup line names, and
// who owns a cgroup there, on a directory standing for a mounted hierarchy.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kernel/cgroup_fs.hpp"
#include "temp_root.hpp"

namespace pidns {
namespace {

using testing::TempRoot;

TEST(ParseCgroupMounts, V2AndV1HierarchiesAtTheirTop) {
  const std::string mountinfo =
      "30 23 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 "
      "rw,nsdelegate\n"
      "32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
      "rw,xattr,name=systemd\n"
      "35 30 0:31 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
      "36 30 0:32 / /sys/fs/cgroup/net\\040cls rw - cgroup cgroup "
      "rw,net_cls,release_agent=/x\n"
      // A subtree bind-mounted elsewhere (a container's view): not the top, left out.
      "40 23 0:27 /system.slice /mnt/sub rw - cgroup2 cgroup2 rw\n"
      "41 23 0:27 /../.. /mnt/up rw - cgroup2 cgroup2 rw\n"
      "garbage line\n";
  EXPECT_EQ(parse_cgroup_mounts(mountinfo),
            (std::vector<CgroupMount>{{"", "/sys/fs/cgroup/unified"},
                                      {"name=systemd", "/sys/fs/cgroup/systemd"},
                                      {"cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct"},
                                      {"net_cls", "/sys/fs/cgroup/net cls"}}));
  EXPECT_TRUE(parse_cgroup_mounts("").empty());
}

TEST(CgroupFs, TheOwnerOfACgroupInItsHierarchy) {
  TempRoot v2;
  TempRoot systemd;
  v2.mkdir("/user.slice/user-1000.slice/user@1000.service/app.slice");
  systemd.mkdir("/user.slice");
  CgroupFs fs({{"", v2.path()}, {"name=systemd", systemd.path()}});
  uid_t me = ::geteuid();
  EXPECT_EQ(fs.owner("", "/user.slice/user-1000.slice/user@1000.service"), me);
  EXPECT_EQ(fs.owner("", "/"), me);
  EXPECT_EQ(fs.owner("name=systemd", "/user.slice"), me);
  EXPECT_EQ(fs.owner("name=systemd", "/user.slice/user-1000.slice"), std::nullopt);  // not there
  EXPECT_EQ(fs.owner("memory", "/user.slice"), std::nullopt);                        // not mounted
}

TEST(CgroupFs, OnlyBelowTheTopWithoutLinks) {
  TempRoot outside;
  outside.mkdir("/user@1000.service");
  TempRoot v2;
  v2.mkdir("/a");
  v2.symlink(outside.at("/user@1000.service").string(), "/a/user@1000.service");
  CgroupFs fs({{"", v2.at("/a").string()}});
  // A path relative to another cgroup namespace climbs with "..": it cannot be checked here.
  EXPECT_EQ(fs.owner("", "/../a"), std::nullopt);
  EXPECT_EQ(fs.owner("", "/user@1000.service"), std::nullopt);
  EXPECT_EQ(fs.owner("", ""), ::geteuid());
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CgroupFs, OfSelfAnswersForThisProcesssOwnCgroups) {
  // Each line of /proc/self/cgroup whose hierarchy is mounted at its top here: the owner that
  // CgroupFs gives is what stat(2) of the directory says.
  CgroupFs fs = CgroupFs::of_self();
  std::vector<CgroupMount> mounts = parse_cgroup_mounts(read_text("/proc/self/mountinfo"));
  std::istringstream lines(read_text("/proc/self/cgroup"));
  int checked = 0;
  for (std::string line; std::getline(lines, line);) {
    std::size_t c1 = line.find(':');
    std::size_t c2 = line.find(':', c1 + 1);
    std::string controllers = line.substr(c1 + 1, c2 - c1 - 1);
    std::string path = line.substr(c2 + 1);
    for (const CgroupMount& m : mounts) {
      struct stat st {};
      if (m.controllers != controllers || ::stat((m.mountpoint + path).c_str(), &st) != 0) {
        continue;
      }
      EXPECT_EQ(fs.owner(controllers, path), st.st_uid) << line;
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no cgroup hierarchy of this process is mounted here";
}

}  // namespace
}  // namespace pidns
