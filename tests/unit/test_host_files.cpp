// Tests for HostRoot: reads stay inside the root, and anything but a small regular file is none.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include "kernel/host_files.hpp"
#include "temp_root.hpp"

namespace pidns {
namespace {

using testing::open_fd_count;
using testing::TempRoot;

TEST(HostRoot, ReadsAFileByItsPathInsideTheRoot) {
  TempRoot t;
  t.write("/etc/docker/daemon.json", "{\"data-root\": \"/srv\"}");
  HostRoot host(t.path());
  EXPECT_EQ(host.read_file("/etc/docker/daemon.json"), "{\"data-root\": \"/srv\"}");
  EXPECT_EQ(host.read_file("etc/docker/daemon.json"), "{\"data-root\": \"/srv\"}");
  EXPECT_EQ(host.read_file("/etc/docker/missing.json"), std::nullopt);
  t.write("/empty", "");
  EXPECT_EQ(host.read_file("/empty"), "");
}

TEST(HostRoot, MissingRootIsAnError) {
  EXPECT_THROW(HostRoot("/nonexistent/pidns-test-root"), SysError);
  TempRoot t;
  t.write("/file", "x");
  EXPECT_THROW(HostRoot(t.at("/file").string()), SysError);
}

TEST(HostRoot, SymlinksAndDotDotStayInsideTheRoot) {
  TempRoot outside;
  outside.write("/secret", "outside");
  TempRoot t;
  t.write("/secret", "inside");
  // An absolute link is resolved against the root, as it would be on the host itself.
  t.symlink(outside.at("/secret").string(), "/var/lib/docker/abs");
  t.symlink("/secret", "/var/lib/docker/rooted");
  t.symlink("../../../../../../../../secret", "/var/lib/docker/up");
  HostRoot host(t.path());
  EXPECT_EQ(host.read_file("/var/lib/docker/abs"), std::nullopt);
  EXPECT_EQ(host.read_file("/var/lib/docker/rooted"), "inside");
  EXPECT_EQ(host.read_file("/var/lib/docker/up"), "inside");
  EXPECT_EQ(host.read_file("/../../../../../../../../secret"), "inside");
  EXPECT_EQ(host.read_file(outside.at("/secret").string()), std::nullopt);
  // A directory reached by a link is listed inside the root too.
  t.symlink("/var/lib", "/link-to-lib");
  EXPECT_EQ(host.list_dir("/link-to-lib"), std::vector<std::string>{"docker"});
}

TEST(HostRoot, MagicLinksAreNotFollowed) {
  TempRoot t;
  t.write("/secret", "x");
  HostRoot host("/");
  // /proc/self/root is a magic link: RESOLVE_NO_MAGICLINKS refuses it.
  EXPECT_EQ(host.read_file("/proc/self/root" + t.at("/secret").string()), std::nullopt);
  EXPECT_EQ(host.read_file(t.at("/secret").string()), "x");
}

TEST(HostRoot, AFifoNeitherHangsNorCounts) {
  TempRoot t;
  t.mkdir("/run");
  ASSERT_EQ(::mkfifo(t.at("/run/config.v2.json").c_str(), 0644), 0);
  HostRoot host(t.path());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(host.read_file("/run/config.v2.json"), std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(HostRoot, OnlyRegularFiles) {
  TempRoot t;
  t.mkdir("/var/lib/docker/config.v2.json");
  HostRoot host(t.path());
  EXPECT_EQ(host.read_file("/var/lib/docker/config.v2.json"), std::nullopt);
  HostRoot real("/");
  EXPECT_EQ(real.read_file("/dev/null"), std::nullopt);  // a device
  EXPECT_EQ(real.read_file("/dev/zero"), std::nullopt);  // endless, were it read
}

TEST(HostRoot, AtMostFourMebibytes) {
  TempRoot t;
  std::string limit(kMaxStateFileSize, 'x');
  t.write("/limit", limit);
  t.write("/over", limit + "x");
  HostRoot host(t.path());
  std::optional<std::string> read = host.read_file("/limit");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->size(), kMaxStateFileSize);
  EXPECT_EQ(host.read_file("/over"), std::nullopt);
}

TEST(HostRoot, EachReadHasItsOwnBound) {
  TempRoot t;
  t.write("/small", std::string(100, 'x'));
  HostRoot host(t.path());
  EXPECT_EQ(host.read_file("/small", 100), std::string(100, 'x'));
  EXPECT_EQ(host.read_file("/small", 99), std::nullopt);
}

TEST(HostRoot, AFileReadInPieces) {
  TempRoot t;
  std::string text;
  for (int i = 0; text.size() < 3 * HostFile::kPieceSize; ++i) text += std::to_string(i) + ' ';
  t.write("/f", text);
  HostRoot host(t.path());
  std::optional<HostFile> file = host.open_file("/f", text.size());
  ASSERT_TRUE(file.has_value());
  std::string got;
  for (std::string_view piece = file->next(); !piece.empty(); piece = file->next()) {
    EXPECT_LE(piece.size(), HostFile::kPieceSize);
    got += piece;
  }
  EXPECT_TRUE(file->ok());
  EXPECT_EQ(got, text);
}

TEST(HostRoot, AFileThatGrowsPastItsBoundIsNotOk) {
  TempRoot t;
  t.write("/f", std::string(100, 'x'));
  HostRoot host(t.path());
  std::optional<HostFile> file = host.open_file("/f", 150);
  ASSERT_TRUE(file.has_value());
  t.write("/f", std::string(200, 'x'));  // rewritten in place, larger, after the size was checked
  while (!file->next().empty()) {
  }
  EXPECT_FALSE(file->ok());
  EXPECT_EQ(host.read_file("/f", 150), std::nullopt);
}

TEST(HostRoot, PseudoFileSystemsAreNotRead) {
  // Regular files all, some with side effects when read (/proc/kmsg takes messages from the
  // system logger's queue): none is a state file.
  HostRoot real("/");
  EXPECT_EQ(real.read_file("/proc/self/status"), std::nullopt);
  EXPECT_EQ(real.read_file("/proc/version"), std::nullopt);
  for (const char* path :
       {"/sys/kernel/uevent_seqnum", "/sys/kernel/mm/transparent_hugepage/enabled"}) {
    if (std::filesystem::is_regular_file(path)) {
      EXPECT_EQ(real.read_file(path), std::nullopt) << path;
    }
  }
  // Through a link, as a user could plant one.
  TempRoot t;
  t.symlink("/proc/version", "/storage.conf");
  EXPECT_EQ(real.read_file(t.at("/storage.conf").string()), std::nullopt);
  UniqueFd dir(::open(t.path().c_str(), O_PATH | O_CLOEXEC));
  EXPECT_FALSE(on_pseudo_file_system(dir.get()));
  UniqueFd proc(::open("/proc/self", O_PATH | O_CLOEXEC));
  EXPECT_TRUE(on_pseudo_file_system(proc.get()));
}

TEST(HostRoot, AUsersFileIsTheirsAndReachedWithoutLinks) {
  uid_t me = ::geteuid();
  TempRoot t;
  t.write("/home/u/.config/containers/storage.conf", "x");
  t.write("/var/lib/store/containers.json", "y");
  t.write("/srv/real/file", "z");
  t.symlink("/var/lib/store/containers.json", "/home/u/.config/link.json");
  t.symlink("/var/lib/store", "/home/u/.local/store");
  t.symlink("/srv/real", "/home/linked");  // a home whose own path is a link, as root made it
  t.symlink("/srv/real", "/var/lib/linked");
  HostRoot host(t.path());
  FileOwner u{me, "/home/u"};
  FileOwner someone_else{me + 1, "/home/u"};
  FileOwner linked{me, "/home/linked/"};
  EXPECT_EQ(host.read_file("/home/u/.config/containers/storage.conf", 100, &u), "x");
  EXPECT_EQ(host.read_file("/home/u/.config/containers/storage.conf", 100, &someone_else),
            std::nullopt);
  // No link below the home, nor anywhere on a path elsewhere; no climbing out of the home.
  EXPECT_EQ(host.read_file("/home/u/.config/link.json", 100, &u), std::nullopt);
  EXPECT_EQ(host.read_file("/home/u/.local/store/containers.json", 100, &u), std::nullopt);
  EXPECT_EQ(host.read_file("/var/lib/store/containers.json", 100, &u), "y");
  EXPECT_EQ(host.read_file("/var/lib/linked/file", 100, &u), std::nullopt);
  EXPECT_EQ(host.read_file("/home/u/../u/.config/containers/storage.conf", 100, &u), std::nullopt);
  EXPECT_EQ(host.read_file("/home/linked/file", 100, &linked), "z");
  // The system's own reads follow links (inside the root) as before.
  EXPECT_EQ(host.read_file("/home/u/.config/link.json"), "y");
}

TEST(HostRoot, UnreadableIsNone) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files of mode 000";
  TempRoot t;
  t.write("/private", "x");
  ASSERT_EQ(::chmod(t.at("/private").c_str(), 0), 0);
  HostRoot host(t.path());
  EXPECT_EQ(host.read_file("/private"), std::nullopt);
}

TEST(HostRoot, ListsADirectory) {
  TempRoot t;
  t.write("/var/log/containers/a.log", "");
  t.write("/var/log/containers/b.log", "");
  t.mkdir("/var/log/containers/c");
  HostRoot host(t.path());
  std::vector<std::string> names = host.list_dir("/var/log/containers");
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"a.log", "b.log", "c"}));
  EXPECT_TRUE(host.list_dir("/var/log/pods").empty());
  EXPECT_TRUE(host.list_dir("/var/log/containers/a.log").empty());
}

TEST(HostRoot, ClosesWhatItOpens) {
  TempRoot t;
  t.write("/f", "x");
  t.mkdir("/d/e");
  std::size_t before = open_fd_count();
  {
    HostRoot host(t.path());
    for (int i = 0; i < 10; ++i) {
      (void)host.read_file("/f");
      (void)host.read_file("/missing");
      (void)host.read_file("/d");
      (void)host.list_dir("/d");
      (void)host.list_dir("/f");
    }
  }
  EXPECT_EQ(open_fd_count(), before);
}

}  // namespace
}  // namespace pidns
