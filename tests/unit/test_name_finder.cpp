// Tests for NameFinder: hosts laid out in temp directories as Docker, Podman and the kubelet
// lay out theirs, read through a HostRoot.
#include <gtest/gtest.h>

#include <string>

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

ContainerLabel label(std::string engine, std::string id, std::optional<uid_t> user = {}) {
  ContainerLabel l;
  l.engine = std::move(engine);
  l.id = std::move(id);
  l.user = user;
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

std::string cmdline(std::initializer_list<std::string> args) {
  std::string out;
  for (const std::string& a : args) out += a + '\0';
  return out;
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

// --- Docker

TEST(NameFinderDocker, DefaultDataRoot) {
  TempRoot t;
  t.write(
      "/var/lib/docker/containers/" + kId + "/config.v2.json",
      docker_config(kId, "shop-web",
                    R"({"com.docker.compose.project":"shop","com.docker.compose.service":"web"})"));
  HostRoot host(t.path());
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(label("docker", kId)), names("shop-web", "", "", "shop", "web"));
  EXPECT_EQ(finder.find(label("docker", kId2)), ContainerNames{});
}

TEST(NameFinderDocker, DaemonJsonDataRootWhenNoDockerdRuns) {
  TempRoot t;
  t.write("/etc/docker/daemon.json", R"({"data-root": "/srv/docker"})");
  t.write("/srv/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "web"));
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "stale"));
  HostRoot host(t.path());
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(label("docker", kId)).name, "web");
}

TEST(NameFinderDocker, RunningDockerdsDataRootComesFirst) {
  TempRoot t;
  t.write("/etc/docker/daemon.json", R"({"data-root": "/srv/docker"})");
  t.write("/srv/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "configured"));
  t.write("/data/d/containers/" + kId + "/config.v2.json", docker_config(kId, "running"));
  HostRoot host(t.path());
  NameFinder finder(
      host,
      {EngineDaemon{0, cmdline({"/usr/sbin/dockerd", "--data-root", "/data/d", "-H", "fd://"})}});
  EXPECT_EQ(finder.find(label("docker", kId)).name, "running");
}

TEST(NameFinderDocker, EveryRunningDockerdIsAsked) {
  TempRoot t;
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "first"));
  t.write("/tmp/ci/containers/" + kId2 + "/config.v2.json", docker_config(kId2, "second"));
  HostRoot host(t.path());
  NameFinder finder(host, {EngineDaemon{0, cmdline({"dockerd"})},
                           EngineDaemon{0, cmdline({"dockerd", "--data-root=/tmp/ci"})}});
  EXPECT_EQ(finder.find(label("docker", kId)).name, "first");
  EXPECT_EQ(finder.find(label("docker", kId2)).name, "second");
}

TEST(NameFinderDocker, ADockerdsConfigFile) {
  TempRoot t;
  t.write("/opt/d.json", R"({"data-root": "/opt/docker"})");
  t.write("/opt/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "web"));
  HostRoot host(t.path());
  NameFinder finder(host, {EngineDaemon{0, cmdline({"dockerd", "--config-file", "/opt/d.json"})}});
  EXPECT_EQ(finder.find(label("docker", kId)).name, "web");
}

TEST(NameFinderDocker, ADockerdOfAnotherUserDoesNotNameRootsContainers) {
  TempRoot t;
  t.write("/home/alice/fake/containers/" + kId + "/config.v2.json", docker_config(kId, "spoof"));
  t.write("/etc/passwd", kPasswd);
  HostRoot host(t.path());
  NameFinder finder(host,
                    {EngineDaemon{1000, cmdline({"dockerd", "--data-root=/home/alice/fake"})}});
  EXPECT_EQ(finder.find(label("docker", kId)), ContainerNames{});
}

TEST(NameFinderDocker, TheFileMustNameTheId) {
  TempRoot t;
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId2, "other"));
  HostRoot host(t.path());
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(label("docker", kId)), ContainerNames{});
}

TEST(NameFinderDocker, RootlessDockerFromTheUsersHome) {
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  t.write("/home/alice/.local/share/docker/containers/" + kId + "/config.v2.json",
          docker_config(kId, "alices"));
  t.write("/var/lib/docker/containers/" + kId2 + "/config.v2.json", docker_config(kId2, "roots"));
  HostRoot host(t.path());
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(label("docker", kId, 1000)).name, "alices");
  // Neither names the other's containers: a user could make a cgroup named for root's container.
  EXPECT_EQ(finder.find(label("docker", kId2, 1000)), ContainerNames{});
  EXPECT_EQ(finder.find(label("docker", kId)), ContainerNames{});
  EXPECT_EQ(finder.find(label("docker", kId, 1001)), ContainerNames{});
}

TEST(NameFinderDocker, EachFileIsReadOnce) {
  TempRoot t;
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json", docker_config(kId, "web"));
  HostRoot host(t.path());
  NameFinder finder(host, {});
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
  NameFinder finder(host, {});
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
  NameFinder finder(host, {});
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
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(label("podman", kId)).name, "web");
}

TEST(NameFinderPodman, RootlessStoresAreTrustedOnlyForTheirOwnersContainers) {
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  t.write("/var/lib/containers/storage/overlay-containers/containers.json",
          containers_json(kId, "roots-web"));
  // alice names her container as root's, and claims root's id too.
  t.write("/home/alice/.local/share/containers/storage/overlay-containers/containers.json",
          R"([{"id":")" + kId2 + R"(","names":["alices"]},{"id":")" + kId +
              R"(","names":["spoofed"]}])");
  HostRoot host(t.path());
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(label("podman", kId)).name, "roots-web");
  EXPECT_EQ(finder.find(label("podman", kId2, 1000)).name, "alices");
  EXPECT_EQ(finder.find(label("podman", kId2)), ContainerNames{});
  // Her own container under her user@1000.service with root's id is hers, named from her store.
  EXPECT_EQ(finder.find(label("podman", kId, 1000)).name, "spoofed");
  EXPECT_EQ(finder.find(label("podman", kId2, 1001)), ContainerNames{});  // bob has no store
  EXPECT_EQ(finder.find(label("podman", kId2, 4242)), ContainerNames{});  // not in passwd
}

TEST(NameFinderPodman, UsersOwnStorageConf) {
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  t.write("/home/bob/.config/containers/storage.conf",
          "[storage]\ndriver = \"vfs\"\ngraphroot = \"/home/bob/containers\"\n");
  t.write("/home/bob/containers/vfs-containers/containers.json", containers_json(kId, "bobs"));
  HostRoot host(t.path());
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(label("podman", kId, 1001)).name, "bobs");
}

TEST(NameFinderPodman, AUsersStoreLinkingToRootsIsStillInsideTheHostRoot) {
  TempRoot outside;
  outside.write("/overlay-containers/containers.json", containers_json(kId, "outside"));
  TempRoot t;
  t.write("/etc/passwd", kPasswd);
  std::filesystem::create_directories(t.at("/home/alice/.local/share/containers"));
  t.symlink(outside.path(), "/home/alice/.local/share/containers/storage");
  HostRoot host(t.path());
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(label("podman", kId, 1000)), ContainerNames{});
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
  NameFinder finder(host, {});
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
  NameFinder finder(host, {});
  // The cgroup says coredns's pod; the log with this id says cart's.
  EXPECT_EQ(finder.find(pod_label("containerd", kId, "11111111-2222-3333-4444-555555555555")),
            names("", "coredns-1", "kube-system"));
}

TEST(NameFinderKubernetes, ALogWithoutItsPodDirectory) {
  TempRoot t;
  t.write("/var/log/containers/web-1_shop_nginx-" + kId + ".log", "");
  HostRoot host(t.path());
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(pod_label("containerd", kId, kPodUid)), names("nginx", "web-1", "shop"));
}

TEST(NameFinderKubernetes, NotForAUsersOwnPods) {
  TempRoot t;
  kubelet_node(t);
  HostRoot host(t.path());
  NameFinder finder(host, {});
  ContainerLabel l = pod_label("containerd", kId, kPodUid);
  l.user = 1000;
  EXPECT_EQ(finder.find(l), ContainerNames{});
}

TEST(NameFinderKubernetes, DockerShimPodsAreNamedAsPods) {
  TempRoot t;
  kubelet_node(t);
  t.write("/var/lib/docker/containers/" + kId + "/config.v2.json",
          docker_config(kId, "k8s_cart_cart-5d8f9c7b6-x2x9q_checkout_" + kPodUid + "_0"));
  HostRoot host(t.path());
  NameFinder finder(host, {});
  EXPECT_EQ(finder.find(pod_label("docker", kId, kPodUid)),
            names("cart", "cart-5d8f9c7b6-x2x9q", "checkout"));
}

// --- everything else

TEST(NameFinder, LabelsThatNameThemselvesReadNothing) {
  TempRoot t;
  HostRoot host(t.path());
  NameFinder finder(host, {});
  std::size_t before = open_fd_count();
  for (const char* engine : {"systemd", "nspawn", "lxc", "libvirt", "containerd", "nerdctl"}) {
    EXPECT_FALSE(may_have_names(label(engine, kId))) << engine;
    EXPECT_EQ(finder.find(label(engine, kId)), ContainerNames{}) << engine;
  }
  EXPECT_TRUE(may_have_names(label("docker", kId)));
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
  NameFinder finder(host, {EngineDaemon{0, std::string(5000, '\0')}});
  EXPECT_EQ(finder.find(label("docker", kId)), ContainerNames{});
  EXPECT_EQ(finder.find(label("podman", kId)), ContainerNames{});
  EXPECT_EQ(finder.find(label("podman", kId, 1000)), ContainerNames{});
}

}  // namespace
}  // namespace pidns
