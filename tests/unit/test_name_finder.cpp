// Tests for NameFinder: hosts laid out in temp directories as Docker, Podman and the kubelet
// lay out theirs, read through a HostRoot; a user's service manager in a directory standing for
// the cgroup file system.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "names/name_finder.hpp"
#include "temp_root.hpp"

namespace pidns {
namespace {

using testing::open_fd_count;
using testing::TempRoot;

const std::string kId = "0863501e45d8a1c2b3d4e5f60718293a4b5c6d7e8f90123456789abcdef01234";
const std::string kId2 = "f1cde6a8dc2e4b5c6d7e8f90123456789abcdef0123456789abcdef012345678";
const std::string kPodUid = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

const std::string kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n"
    "bob:x:1001:1001:Bob:/home/bob:/bin/bash\n";

const std::vector<EngineDaemon> kNoDaemons;

// Where systemd puts a user's service manager: user@UID.service, which it gives to UID.
std::string manager_of(uid_t uid) {
  std::string n = std::to_string(uid);
  return "/user.slice/user-" + n + ".slice/user@" + n + ".service";
}

ContainerLabel label(std::string engine, std::string id, std::optional<uid_t> user = {}) {
  ContainerLabel l;
  l.engine = std::move(engine);
  l.id = std::move(id);
  if (user) l.user = UserManager{*user, "", manager_of(*user)};
  return l;
}

ContainerLabel pod_label(std::string engine, std::string id, std::string pod_uid) {
  ContainerLabel l = label(std::move(engine), std::move(id));
  l.pod_uid = std::move(pod_uid);
  return l;
}

std::string docker_config(const std::string& id, const std::string& name,
                          const std::string& labels = "{}") {
  return R"({"State":{"Running":true},"ID":")" + id + R"(","Config":{"Labels":)" + labels +
         R"(},"Name":"/)" + name + R"(","Driver":"overlay2"})";
}

ContainerNames names(std::string name, std::string pod_name = {}, std::string pod_ns = {},
                     std::string project = {}, std::string service = {}) {
  ContainerNames n;
  n.name = std::move(name);
  n.pod_name = std::move(pod_name);
  n.pod_namespace = std::move(pod_ns);
  n.compose_project = std::move(project);
  n.compose_service = std::move(service);
  return n;
}

bool can_chown() { return ::geteuid() == 0; }

// Gives `relative` below `t` to `uid` (not following a link), and every directory above it up to
// the user's home, as a user's own files are.
void give(const TempRoot& t, const std::string& relative, uid_t uid) {
  for (std::filesystem::path p = relative; p.has_relative_path(); p = p.parent_path()) {
    if (::lchown(t.at(p.string()).c_str(), uid, uid) != 0) {
      throw std::runtime_error("lchown " + p.string());
    }
    if (p.parent_path() == "/home") break;
  }
}

// A directory standing for the cgroup v2 hierarchy, with user@UID.service made for UID and owned
// by `owner` (UID unless said otherwise), as systemd makes it.
struct Cgroups {
  TempRoot dir;
  void manager(uid_t uid, std::optional<uid_t> owner = {}) const {
    dir.mkdir(manager_of(uid));
    if (::chown(dir.at(manager_of(uid)).c_str(), owner.value_or(uid), 0) != 0) {
      throw std::runtime_error("chown " + manager_of(uid));
    }
  }
  [[nodiscard]] CgroupFs fs() const { return CgroupFs({CgroupMount{"", dir.path()}}); }
};

// --- Docker

TEST(NameFinderDocker, DefaultDataRoot) {
  TempRoot t;
  t.write(
      "/var/lib/docker/containers/" + kId + "/config.v2.json",
      docker_config(kId, "shop-web",
                    R"({"com.docker.compose.project":"shop","com.docker.compose.service":"web"})"));
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(label("docker", kId)), names("shop-web", "", "", "shop", "web"));
  EXPECT_EQ(finder.find(label("docker", kId2)), ContainerNames{});
}

TEST(NameFinderDocker, EcsContainersAreDockers) {
  TempRoot t;
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json",
          docker_config(kId, "ecs-web-1-web-a8b9c0d1e2f3"));
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(label("ecs", kId)).name, "ecs-web-1-web-a8b9c0d1e2f3");
}

TEST(NameFinderDocker, DaemonJsonDataRootWhenNoDockerdRuns) {
  TempRoot t;
  t.write("/etc/docker/daemon.json", R"({"data-root": "/srv/docker"})");
  t.write("/srv/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "web"));
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "stale"));
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(label("docker", kId)).name, "web");
}

TEST(NameFinderDocker, RunningDockerdsDataRootComesFirst) {
  TempRoot t;
  t.write("/etc/docker/daemon.json", R"({"data-root": "/srv/docker"})");
  t.write("/srv/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "configured"));
  t.write("/data/d/containers/" + kId + "/config.v2.json", docker_config(kId, "running"));
  HostRoot host(t.path());
  std::vector<EngineDaemon> daemons{EngineDaemon{"/data/d", ""}};
  NameFinder finder(host, daemons, nullptr);
  EXPECT_EQ(finder.find(label("docker", kId)).name, "running");
}

TEST(NameFinderDocker, EveryTrustedDockerdIsAsked) {
  TempRoot t;
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "first"));
  t.write("/tmp/ci/containers/" + kId2 + "/config.v2.json", docker_config(kId2, "second"));
  HostRoot host(t.path());
  std::vector<EngineDaemon> daemons{EngineDaemon{}, EngineDaemon{"/tmp/ci", ""}};
  NameFinder finder(host, daemons, nullptr);
  EXPECT_EQ(finder.find(label("docker", kId)).name, "first");
  EXPECT_EQ(finder.find(label("docker", kId2)).name, "second");
}

TEST(NameFinderDocker, ADockerdsConfigFile) {
  TempRoot t;
  t.write("/opt/d.json", R"({"data-root": "/opt/docker"})");
  t.write("/opt/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "web"));
  HostRoot host(t.path());
  std::vector<EngineDaemon> daemons{EngineDaemon{"", "/opt/d.json"}};
  NameFinder finder(host, daemons, nullptr);
  EXPECT_EQ(finder.find(label("docker", kId)).name, "web");
}

TEST(NameFinderDocker, TheFileMustNameTheId) {
  TempRoot t;
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId2, "other"));
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(label("docker", kId)), ContainerNames{});
}

TEST(NameFinderDocker, ALargerConfigIsNoName) {
  TempRoot t;
  std::string config = docker_config(kId, "web");
  config.insert(config.size() - 1, ",\"Pad\":\"" + std::string(kMaxDockerConfigSize, 'x') + '"');
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", config);
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(label("docker", kId)), ContainerNames{});
}

TEST(NameFinderDocker, RootlessDockerFromTheUsersHome) {
  if (!can_chown()) GTEST_SKIP() << "needs root to give files to users";
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  const std::string config =
      "/home/alice/.local/share/docker/containers/" + kId + "/config.v2.json";
  t.write(config, docker_config(kId, "alices"));
  give(t, config, 1000);
  t.write("/var/lib/docker/containers/" + kId2 + "/config.v2.json", docker_config(kId2, "roots"));
  Cgroups cg;
  cg.manager(1000);
  cg.manager(1001);
  CgroupFs fs = cg.fs();
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  EXPECT_EQ(finder.find(label("docker", kId, 1000)).name, "alices");
  // Neither names the other's containers: a user could make a cgroup named for root's container.
  EXPECT_EQ(finder.find(label("docker", kId2, 1000)), ContainerNames{});
  EXPECT_EQ(finder.find(label("docker", kId)), ContainerNames{});
  EXPECT_EQ(finder.find(label("docker", kId, 1001)), ContainerNames{});
}

TEST(NameFinderDocker, ARootlessDataRootLeadingToRootsIsNotRead) {
  if (!can_chown()) GTEST_SKIP() << "needs root to give files to users";
  Cgroups cg;
  cg.manager(1000);
  CgroupFs fs = cg.fs();
  // ~/.local/share/docker linked to /var/lib/docker.
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "roots"));
  t.mkdir("/home/alice/.local/share");
  t.symlink("/var/lib/docker", "/home/alice/.local/share/docker");
  give(t, "/home/alice/.local/share/docker", 1000);
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  EXPECT_EQ(finder.find(label("docker", kId, 1000)), ContainerNames{});
  EXPECT_EQ(finder.find(label("docker", kId)).name, "roots");
  // Her daemon.json naming /var/lib/docker: the files it leads to are root's.
  TempRoot t2;
  t2.write("/etc/passwd", kPasswd);
  t2.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "roots"));
  t2.write("/home/alice/.config/docker/daemon.json", R"({"data-root": "/var/lib/docker"})");
  give(t2, "/home/alice/.config/docker/daemon.json", 1000);
  HostRoot host2(t2.path());
  NameFinder finder2(host2, kNoDaemons, &fs);
  EXPECT_EQ(finder2.find(label("docker", kId, 1000)), ContainerNames{});
}

TEST(NameFinderDocker, AUsersFileMustBeTheirs) {
  if (!can_chown()) GTEST_SKIP() << "needs root to give files to users";
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  t.write("/home/alice/.local/share/docker/containers/" + kId + "/config.v2.json",
          docker_config(kId, "alices"));
  give(t, "/home/alice/.local/share/docker/containers/" + kId, 1000);  // the file stays root's
  Cgroups cg;
  cg.manager(1000);
  CgroupFs fs = cg.fs();
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  EXPECT_EQ(finder.find(label("docker", kId, 1000)), ContainerNames{});
}

TEST(NameFinderDocker, AUserManagerItsUserDoesNotOwnTrustsNobody) {
  if (!can_chown()) GTEST_SKIP() << "needs root to give files to users";
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  const std::string config =
      "/home/alice/.local/share/docker/containers/" + kId + "/config.v2.json";
  t.write(config, docker_config(kId, "alices"));
  give(t, config, 1000);
  Cgroups cg;
  cg.manager(1000, 1001);  // bob named a cgroup user@1000.service in a subtree of his own
  CgroupFs fs = cg.fs();
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  EXPECT_EQ(finder.find(label("docker", kId, 1000)), ContainerNames{});
  NameFinder blind(host, kNoDaemons, nullptr);  // no cgroup file system to ask
  EXPECT_EQ(blind.find(label("docker", kId, 1000)), ContainerNames{});
  Cgroups mine;
  mine.manager(1000);
  CgroupFs own = mine.fs();
  NameFinder trusted(host, kNoDaemons, &own);
  ContainerLabel elsewhere = label("docker", kId, 1000);
  elsewhere.user->cgroup = "/../user@1000.service";  // not below pidns-tree's cgroup namespace
  EXPECT_EQ(trusted.find(elsewhere), ContainerNames{});
  EXPECT_EQ(trusted.find(label("docker", kId, 1000)).name, "alices");
}

TEST(NameFinderDocker, EachFileIsReadOnce) {
  TempRoot t;
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "web"));
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(label("docker", kId)).name, "web");
  std::filesystem::remove_all(t.at("/var/lib/docker"));
  EXPECT_EQ(finder.find(label("docker", kId)).name, "web");  // the run's answer stays
}

// --- Podman (containers/storage)

std::string containers_json(const std::string& id, const std::string& name) {
  return R"([{"id":")" + id + R"(","names":[")" + name +
         R"("],"image":"9b77","layer":"1b1f","metadata":"{}","created":"2026-01-01T00:00:00Z"}])";
}

TEST(NameFinderPodman, DefaultStoreProbesTheDrivers) {
  TempRoot t;
  t.write("/var/lib/containers/storage/vfs-containers/containers.json",
          containers_json(kId, "web"));
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(label("podman", kId)).name, "web");
  EXPECT_EQ(finder.find(label("podman", kId2)), ContainerNames{});
}

TEST(NameFinderPodman, EtcStorageConfBeatsUsrShare) {
  TempRoot t;
  t.write("/etc/containers/storage.conf", "[storage]\ndriver = \"vfs\"\ngraphroot = \"/store\"\n");
  t.write("/usr/share/containers/storage.conf", "[storage]\ndriver = \"overlay\"\n");
  t.write("/store/vfs-containers/containers.json", containers_json(kId, "etc"));
  t.write("/var/lib/containers/storage/overlay-containers/containers.json",
          containers_json(kId, "usr-share"));
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(label("podman", kId)).name, "etc");
}

TEST(NameFinderPodman, DebiansUsrShareStorageConf) {
  TempRoot t;
  t.write("/usr/share/containers/storage.conf", "[storage]\ndriver = \"overlay\"\n");
  t.write("/var/lib/containers/storage/overlay-containers/containers.json",
          containers_json(kId, "web"));
  t.write("/var/lib/containers/storage/vfs-containers/containers.json",
          containers_json(kId, "not-the-configured-driver"));
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(label("podman", kId)).name, "web");
}

TEST(NameFinderPodman, OneReadOfAStoreNamesAllItsContainers) {
  TempRoot t;
  t.write("/var/lib/containers/storage/overlay-containers/containers.json",
          R"([{"id":")" + kId + R"(","names":["one"]},{"id":")" + kId2 + R"(","names":["two"]}])");
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  ContainerLabel a = label("podman", kId);
  ContainerLabel b = label("podman", kId2);
  ContainerLabel c = label("podman", "x");
  finder.name_all({&a, &b, &c});
  EXPECT_EQ(a.names.name, "one");
  EXPECT_EQ(b.names.name, "two");
  EXPECT_EQ(c.names, ContainerNames{});
}

TEST(NameFinderPodman, RootlessStoresAreTrustedOnlyForTheirOwnersContainers) {
  if (!can_chown()) GTEST_SKIP() << "needs root to give files to users";
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  t.write("/var/lib/containers/storage/overlay-containers/containers.json",
          containers_json(kId, "roots-web"));
  // alice names her container as root's, and claims root's id too.
  const std::string store =
      "/home/alice/.local/share/containers/storage/overlay-containers/containers.json";
  t.write(store, R"([{"id":")" + kId2 + R"(","names":["alices"]},{"id":")" + kId +
                     R"(","names":["spoofed"]}])");
  give(t, store, 1000);
  Cgroups cg;
  for (uid_t uid : {1000, 1001, 4242}) cg.manager(uid);
  CgroupFs fs = cg.fs();
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  EXPECT_EQ(finder.find(label("podman", kId)).name, "roots-web");
  EXPECT_EQ(finder.find(label("podman", kId2, 1000)).name, "alices");
  EXPECT_EQ(finder.find(label("podman", kId2)), ContainerNames{});
  // Her own container under her user@1000.service with root's id is hers, named from her store.
  EXPECT_EQ(finder.find(label("podman", kId, 1000)).name, "spoofed");
  EXPECT_EQ(finder.find(label("podman", kId2, 1001)), ContainerNames{});  // bob has no store
  EXPECT_EQ(finder.find(label("podman", kId2, 4242)), ContainerNames{});  // not in passwd
}

TEST(NameFinderPodman, UsersOwnStorageConf) {
  if (!can_chown()) GTEST_SKIP() << "needs root to give files to users";
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  t.write("/home/bob/.config/containers/storage.conf",
          "[storage]\ndriver = \"vfs\"\ngraphroot = \"/home/bob/containers\"\n");
  give(t, "/home/bob/.config/containers/storage.conf", 1001);
  t.write("/home/bob/containers/vfs-containers/containers.json", containers_json(kId, "bobs"));
  give(t, "/home/bob/containers/vfs-containers/containers.json", 1001);
  Cgroups cg;
  cg.manager(1001);
  CgroupFs fs = cg.fs();
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  EXPECT_EQ(finder.find(label("podman", kId, 1001)).name, "bobs");
}

TEST(NameFinderPodman, AUsersStoreLinkingOutsideIsStillInsideTheHostRoot) {
  if (!can_chown()) GTEST_SKIP() << "needs root to give files to users";
  TempRoot outside;
  outside.write("/overlay-containers/containers.json", containers_json(kId, "outside"));
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  std::filesystem::create_directories(t.at("/home/alice/.local/share/containers"));
  t.symlink(outside.path(), "/home/alice/.local/share/containers/storage");
  give(t, "/home/alice/.local/share/containers/storage", 1000);
  Cgroups cg;
  cg.manager(1000);
  CgroupFs fs = cg.fs();
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  EXPECT_EQ(finder.find(label("podman", kId, 1000)), ContainerNames{});
}

TEST(NameFinderPodman, AUsersStoreLeadingToRootsIsNotRead) {
  if (!can_chown()) GTEST_SKIP() << "needs root to give files to users";
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  t.write("/var/lib/containers/storage/overlay-containers/containers.json",
          containers_json(kId, "roots-web"));
  // alice links her store to root's; bob's storage.conf names root's store as his graphroot.
  t.mkdir("/home/alice/.local/share/containers");
  t.symlink("/var/lib/containers/storage", "/home/alice/.local/share/containers/storage");
  give(t, "/home/alice/.local/share/containers/storage", 1000);
  t.write("/home/bob/.config/containers/storage.conf",
          "[storage]\ngraphroot = \"/var/lib/containers/storage\"\n");
  give(t, "/home/bob/.config/containers/storage.conf", 1001);
  Cgroups cg;
  cg.manager(1000);
  cg.manager(1001);
  CgroupFs fs = cg.fs();
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  EXPECT_EQ(finder.find(label("podman", kId, 1000)), ContainerNames{});
  EXPECT_EQ(finder.find(label("podman", kId, 1001)), ContainerNames{});
  EXPECT_EQ(finder.find(label("podman", kId)).name, "roots-web");
}

TEST(NameFinderPodman, AHostileStorageConfIsNoConfiguration) {
  if (!can_chown()) GTEST_SKIP() << "needs root to give files to users";
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  // The attack: one dotted key of 200,000 parts, which overflowed tomlplusplus's stack.
  std::string deep = "[storage]\ndriver = \"vfs\"\n";
  for (int i = 0; i < 200000; ++i) deep += "a.";
  deep += "a = 1\n";
  t.write("/home/alice/.config/containers/storage.conf", deep);
  give(t, "/home/alice/.config/containers/storage.conf", 1000);
  const std::string store =
      "/home/alice/.local/share/containers/storage/overlay-containers/containers.json";
  t.write(store, containers_json(kId, "alices"));
  give(t, store, 1000);
  Cgroups cg;
  cg.manager(1000);
  CgroupFs fs = cg.fs();
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  // Her store is still found where it is by default.
  EXPECT_EQ(finder.find(label("podman", kId, 1000)).name, "alices");
}

// --- Kubernetes

void kubelet_node(const TempRoot& t) {
  t.mkdir("/var/log/pods/checkout_cart-5d8f9c7b6-x2x9q_" + kPodUid + "/cart");
  t.mkdir("/var/log/pods/kube-system_coredns-1_11111111-2222-3333-4444-555555555555/coredns");
  t.write("/var/log/pods/checkout_cart-5d8f9c7b6-x2x9q_" + kPodUid + "/cart/0.log", "");
  t.symlink("/var/log/pods/checkout_cart-5d8f9c7b6-x2x9q_" + kPodUid + "/cart/0.log",
            "/var/log/containers/cart-5d8f9c7b6-x2x9q_checkout_cart-" + kId + ".log");
  t.write("/var/log/containers/not-a-log.txt", "");
}

TEST(NameFinderKubernetes, PodAndContainerFromTheLogLayout) {
  TempRoot t;
  kubelet_node(t);
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(pod_label("containerd", kId, kPodUid)),
            names("cart", "cart-5d8f9c7b6-x2x9q", "checkout"));
  // The pod's sandbox has no log: the pod is still named.
  EXPECT_EQ(finder.find(pod_label("containerd", kId2, kPodUid)),
            names("", "cart-5d8f9c7b6-x2x9q", "checkout"));
  EXPECT_EQ(finder.find(pod_label("kubernetes", kId2, "11111111-2222-3333-4444-555555555555")),
            names("", "coredns-1", "kube-system"));
  EXPECT_EQ(finder.find(pod_label("cri-o", kId2, "99999999-2222-3333-4444-555555555555")),
            ContainerNames{});
}

TEST(NameFinderKubernetes, AContainerLogOfAnotherPodIsNotBelieved) {
  TempRoot t;
  kubelet_node(t);
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  // The cgroup says coredns's pod; the log with this id says cart's.
  EXPECT_EQ(finder.find(pod_label("containerd", kId, "11111111-2222-3333-4444-555555555555")),
            names("", "coredns-1", "kube-system"));
}

TEST(NameFinderKubernetes, ALogWithoutItsPodDirectory) {
  TempRoot t;
  t.write("/var/log/containers/web-1_shop_nginx-" + kId + ".log", "");
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(pod_label("containerd", kId, kPodUid)), names("nginx", "web-1", "shop"));
}

TEST(NameFinderKubernetes, NotForAUsersOwnPods) {
  TempRoot t;
  kubelet_node(t);
  Cgroups cg;
  cg.manager(::geteuid());  // trusted: still not this kubelet's pod
  CgroupFs fs = cg.fs();
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, &fs);
  ContainerLabel l = pod_label("containerd", kId, kPodUid);
  l.user = UserManager{::geteuid(), "", manager_of(::geteuid())};
  EXPECT_EQ(finder.find(l), ContainerNames{});
}

TEST(NameFinderKubernetes, DockerShimPodsAreNamedAsPods) {
  TempRoot t;
  kubelet_node(t);
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json",
          docker_config(kId, "k8s_cart_cart-5d8f9c7b6-x2x9q_checkout_" + kPodUid + "_0"));
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  EXPECT_EQ(finder.find(pod_label("docker", kId, kPodUid)),
            names("cart", "cart-5d8f9c7b6-x2x9q", "checkout"));
}

// --- everything else

TEST(NameFinder, LabelsThatNameThemselvesReadNothing) {
  TempRoot t;
  HostRoot host(t.path());
  NameFinder finder(host, kNoDaemons, nullptr);
  std::size_t before = open_fd_count();
  for (const char* engine :
       {"systemd", "nspawn", "lxc", "libvirt", "containerd", "nerdctl", "runc"}) {
    EXPECT_FALSE(may_have_names(label(engine, kId))) << engine;
    EXPECT_EQ(finder.find(label(engine, kId)), ContainerNames{}) << engine;
  }
  EXPECT_TRUE(may_have_names(label("docker", kId)));
  EXPECT_TRUE(may_have_names(label("ecs", kId)));
  EXPECT_TRUE(may_have_names(label("podman", kId)));
  EXPECT_TRUE(may_have_names(pod_label("containerd", kId, kPodUid)));
  EXPECT_EQ(open_fd_count(), before);
}

TEST(NameFinder, MalformedFilesAreNoNames) {
  TempRoot t;
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", "{\"ID\":");
  t.write("/etc/containers/storage.conf", "[storage\n");
  t.write("/var/lib/containers/storage/overlay-containers/containers.json", "[{");
  t.write("/etc/passwd", "\x01\x02");
  HostRoot host(t.path());
  std::vector<EngineDaemon> daemons{EngineDaemon{}};
  Cgroups cg;
  cg.manager(1000, ::geteuid());
  CgroupFs fs = cg.fs();
  NameFinder finder(host, daemons, &fs);
  EXPECT_EQ(finder.find(label("docker", kId)), ContainerNames{});
  EXPECT_EQ(finder.find(label("podman", kId)), ContainerNames{});
  EXPECT_EQ(finder.find(label("podman", kId, 1000)), ContainerNames{});
}

}  // namespace
}  // namespace pidns
