// Tests for the parsers of engines' state files: captured files in tests/fixtures/names, and
// small hand-written texts for what a captured file does not show.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "fixtures_dir.hpp"
#include "names/state_files.hpp"

namespace pidns {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(testing::fixtures_dir() + "/names/" + name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(in.good() || in.eof()) << name;
  return text.str();
}

ContainerNames names(std::string name, std::string project = {}, std::string service = {}) {
  ContainerNames n;
  n.name = std::move(name);
  n.compose_project = std::move(project);
  n.compose_service = std::move(service);
  return n;
}

const std::string kCapturedId = "9c5f34ce86081b72108cc5e093ce75ce6b2e83acbb69ad03f84541f325b8f6c6";
const std::string kComposeId = "0863501e45d8a1c2b3d4e5f60718293a4b5c6d7e8f90123456789abcdef01234";

// --- Docker config.v2.json

TEST(ParseDockerConfig, CapturedFromDocker20WithComposeLabels) {
  // docker run --name shop-web --label com.docker.compose.project=shop --label ...service=web
  EXPECT_EQ(parse_docker_config(fixture("docker-config.v2.json"), kCapturedId),
            names("shop-web", "shop", "web"));
}

TEST(ParseDockerConfig, ComposeV2ContainerAmongItsManyLabels) {
  EXPECT_EQ(parse_docker_config(fixture("docker-config.v2.compose.json"), kComposeId),
            names("shop-web-1", "shop", "web"));
}

TEST(ParseDockerConfig, TheFileMustSayTheIdItWasFoundBy) {
  EXPECT_EQ(parse_docker_config(fixture("docker-config.v2.json"), kComposeId), std::nullopt);
  EXPECT_EQ(parse_docker_config(R"({"Name":"/x"})", kCapturedId), std::nullopt);
  EXPECT_EQ(parse_docker_config(R"({"Name":"/x","ID":7})", kCapturedId), std::nullopt);
}

TEST(ParseDockerConfig, WithoutLabelsOnlyTheName) {
  std::string json = R"({"ID":")" + kCapturedId + R"(","Config":{"Labels":null},"Name":"/web"})";
  EXPECT_EQ(parse_docker_config(json, kCapturedId), names("web"));
  json = R"({"ID":")" + kCapturedId + R"(","Name":"/web"})";
  EXPECT_EQ(parse_docker_config(json, kCapturedId), names("web"));
}

TEST(ParseDockerConfig, OnlyTheLabelsOfConfigCount) {
  // A label-like key elsewhere (ContainerConfig of old images, a nested object) is not a label.
  std::string json = R"({"ID":")" + kCapturedId +
                     R"(","Labels":{"com.docker.compose.project":"a"},)"
                     R"("Config":{"X":{"Labels":{"com.docker.compose.project":"b"}},)"
                     R"("Labels":{"com.docker.compose.service":"web"}},)"
                     R"("Name":"/web","Other":{"Name":"/not-this"}})";
  EXPECT_EQ(parse_docker_config(json, kCapturedId), names("web", "", "web"));
}

TEST(ParseDockerConfig, ValuesThatAreNotStringsAreNotNames) {
  std::string json = R"({"ID":")" + kCapturedId +
                     R"(","Config":{"Labels":{"com.docker.compose.project":["shop"]}},)"
                     R"("Name":{"x":"/web"}})";
  EXPECT_EQ(parse_docker_config(json, kCapturedId), names(""));
}

TEST(ParseDockerConfig, EscapesAreDecodedAndHostileTextKept) {
  // Names are untrusted: the parser hands them on as they are, the renderers escape them.
  std::string json = R"({"ID":")" + kCapturedId + R"(","Name":"/ev\u001b[2Jil\n"})";
  EXPECT_EQ(parse_docker_config(json, kCapturedId), names("ev\x1b[2Jil\n"));
}

TEST(ParseDockerConfig, OverlongNamesAreDropped) {
  std::string json = R"({"ID":")" + kCapturedId + R"(","Name":"/)" + std::string(254, 'a') +
                     R"(","Config":{"Labels":{"com.docker.compose.project":")" +
                     std::string(253, 'p') + R"("}}})";
  EXPECT_EQ(parse_docker_config(json, kCapturedId), names("", std::string(253, 'p')));
}

TEST(ParseDockerConfig, MalformedTextGivesNothing) {
  std::string good = fixture("docker-config.v2.json");
  std::size_t name = good.find("\"Name\"");
  for (const std::string& bad :
       {std::string(), std::string("null"), std::string("[]"), std::string("\"x\""),
        good.substr(0, name) + "x" + good.substr(name), std::string("{\"ID\":\"\xff\"}"),
        std::string(100000, '['), std::string("{\"Name\":\"/a\",}"),
        // Name before ID or Config: the whole text is read, and must be valid.
        R"({"Name":"/web","ID":")" + kCapturedId + R"(","Config":{}})" + "x"}) {
    EXPECT_EQ(parse_docker_config(bad, kCapturedId), std::nullopt) << bad.substr(0, 80);
  }
}

TEST(ParseDockerConfig, WhatFollowsTheNameIsNotRead) {
  // dockerd writes ID, Config, then Name: the rest (mounts, paths, ...) names nothing.
  std::string good = fixture("docker-config.v2.json");
  std::size_t end =
      good.find("\"Name\":\"/shop-web\"") + std::string("\"Name\":\"/shop-web\"").size();
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(parse_docker_config(good.substr(0, end) + "garbage", kCapturedId),
            names("shop-web", "shop", "web"));
}

TEST(ParseDockerConfig, EveryPrefixOfTheCapturedFileIsSafe) {
  std::string good = fixture("docker-config.v2.json");
  std::size_t end =
      good.find("\"Name\":\"/shop-web\"") + std::string("\"Name\":\"/shop-web\"").size();
  for (std::size_t n = 0; n < good.size(); ++n) {
    std::optional<ContainerNames> got =
        parse_docker_config(std::string_view(good).substr(0, n), kCapturedId);
    if (n < end) {
      EXPECT_EQ(got, std::nullopt) << n;
    } else {
      EXPECT_EQ(got, names("shop-web", "shop", "web")) << n;
    }
  }
}

// --- dockerd's command line and daemon.json

std::string cmdline(std::initializer_list<std::string> args) {
  std::string out;
  for (const std::string& a : args) out += a + '\0';
  return out;
}

TEST(ParseDockerdCmdline, DataRootInBothSpellings) {
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"/usr/sbin/dockerd", "--data-root", "/srv/docker"})),
            (DockerdArgs{"/srv/docker", ""}));
  EXPECT_EQ(parse_dockerd_cmdline(cmdline(
                {"dockerd", "-H", "fd://", "--data-root=/srv/d", "--config-file=/etc/d.json"})),
            (DockerdArgs{"/srv/d", "/etc/d.json"}));
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--config-file", "/c.json"})),
            (DockerdArgs{"", "/c.json"}));
}

TEST(ParseDockerdCmdline, TheLastOneCounts) {
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--data-root=/a", "--data-root", "/b"})),
            (DockerdArgs{"/b", ""}));
}

TEST(ParseDockerdCmdline, NotTheFlag) {
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd"})), DockerdArgs{});
  EXPECT_EQ(parse_dockerd_cmdline(""), DockerdArgs{});
  // The program name is not an option, a missing value is none, a longer flag is another flag.
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"--data-root=/x"})), DockerdArgs{});
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--data-root"})), DockerdArgs{});
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--data-rootx=/x"})), DockerdArgs{});
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--", "--data-root=/x"})), DockerdArgs{});
  // Without the final NUL (a process that rewrote its arguments).
  EXPECT_EQ(parse_dockerd_cmdline(std::string("dockerd\0--data-root=/x", 22)),
            (DockerdArgs{"/x", ""}));
}

TEST(ParseDaemonJson, DataRoot) {
  EXPECT_EQ(parse_daemon_json_data_root(
                R"({"log-driver": "journald", "data-root": "/srv/docker", "live-restore": true})"),
            "/srv/docker");
  EXPECT_EQ(parse_daemon_json_data_root(R"({"log-driver": "journald"})"), "");
  EXPECT_EQ(parse_daemon_json_data_root(R"({"data-root": 1})"), "");
  EXPECT_EQ(parse_daemon_json_data_root(R"(["data-root"])"), "");
  EXPECT_EQ(parse_daemon_json_data_root(R"({"data-root": "/srv/docker",)"), "");
  EXPECT_EQ(parse_daemon_json_data_root(""), "");
}

// --- containers/storage

TEST(ParseStorageConf, TheConfigurationDebianAndFedoraShip) {
  EXPECT_EQ(parse_storage_conf(fixture("storage.conf")),
            (StorageConf{"overlay", "/var/lib/containers/storage"}));
}

TEST(ParseStorageConf, UnsetKeysAreEmpty) {
  EXPECT_EQ(parse_storage_conf("[storage]\ndriver = \"vfs\"\n"), (StorageConf{"vfs", ""}));
  EXPECT_EQ(parse_storage_conf("[storage]\ngraphroot = '/srv/c'\n"), (StorageConf{"", "/srv/c"}));
  EXPECT_EQ(parse_storage_conf(""), StorageConf{});
  // Keys outside [storage] are not its keys.
  EXPECT_EQ(parse_storage_conf("driver = \"vfs\"\n[other]\ngraphroot = \"/x\"\n"), StorageConf{});
  EXPECT_EQ(parse_storage_conf("[storage]\ndriver = 3\ngraphroot = [\"/x\"]\n"), StorageConf{});
}

TEST(ParseStorageConf, NotToml) {
  EXPECT_EQ(parse_storage_conf("[storage\ndriver = \"vfs\"\n"), std::nullopt);
  EXPECT_EQ(parse_storage_conf("[storage]\ndriver = \"vfs\ngraphroot=1"), std::nullopt);
  EXPECT_EQ(parse_storage_conf("[storage]\ndriver = \"a\"\ndriver = \"b\"\n"), std::nullopt);
  EXPECT_EQ(parse_storage_conf(std::string("[storage]\ndriver = \"\xff\"\n")), std::nullopt);
  // JSON, which tomlplusplus 3.3.0 meets with an assert() in a build without NDEBUG (found by
  // fuzz_state_files): Debian's shared library has NDEBUG and rejects it as it should.
  EXPECT_EQ(parse_storage_conf("[{\"id\":1}]"), std::nullopt);
}

TEST(ParseContainersJson, CapturedFromPodman4) {
  auto names = parse_containers_json(fixture("podman-containers.json"));
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names.at("d8eace0b2ed9e54b512e528551039eb8db15c7e226c690df352d025ee7f85469"), "web");
}

TEST(ParseContainersJson, FirstNameOfEachUsableEntry) {
  auto names = parse_containers_json(
      R"([{"id":"a","names":["web","alias"]},{"id":"b","names":[]},{"id":"c"},)"
      R"({"names":["no-id"]},{"id":"d","names":[7]},7,{"id":"e","names":["e1"]},)"
      R"({"id":"a","names":["again"]},{"id":"f","names":"f"}])");
  EXPECT_EQ(names, (std::unordered_map<std::string, std::string>{{"a", "web"}, {"e", "e1"}}));
}

TEST(ParseContainersJson, MalformedTextGivesNothing) {
  EXPECT_TRUE(parse_containers_json("").empty());
  EXPECT_TRUE(parse_containers_json("{}").empty());
  EXPECT_TRUE(parse_containers_json(R"([{"id":"a","names":["web"]})").empty());
  EXPECT_TRUE(parse_containers_json(R"([{"id":"a","names":["web"]}] x)").empty());
}

// --- Kubernetes log layout

TEST(ParsePodLogDir, NamespacePodUid) {
  EXPECT_EQ(
      parse_pod_log_dir("checkout_cart-5d8f9c7b6-x2x9q_0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"),
      (PodLogDir{"checkout", "cart-5d8f9c7b6-x2x9q", "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"}));
  // Static pods: a config hash as UID; pod names may hold dots.
  EXPECT_EQ(
      parse_pod_log_dir("kube-system_etcd-node1.example.com_0f6e2a8b5e4c1d3f2a9b8c7d6e5f4a3b"),
      (PodLogDir{"kube-system", "etcd-node1.example.com", "0f6e2a8b5e4c1d3f2a9b8c7d6e5f4a3b"}));
}

TEST(ParsePodLogDir, NotAPodDirectory) {
  for (std::string_view bad : {"", "a", "a_b", "a_b_c_d", "_b_c", "a__c", "a_b_", "A_b_c",
                               "a_b c_d", "a_b_c\n", "a_b/x_c"}) {
    EXPECT_EQ(parse_pod_log_dir(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(parse_pod_log_dir("a_" + std::string(254, 'b') + "_c"), std::nullopt);
}

TEST(ParseContainerLogName, PodNamespaceContainerId) {
  const std::string id = "f1cde6a8dc2e" + std::string(52, 'b');
  EXPECT_EQ(parse_container_log_name("cart-5d8f9c7b6-x2x9q_checkout_cart-" + id + ".log"),
            (ContainerLogName{"cart-5d8f9c7b6-x2x9q", "checkout", "cart", id}));
  // Container names may hold dashes; the id is the last 64 digits.
  EXPECT_EQ(parse_container_log_name("p_ns_side-car-" + id + ".log"),
            (ContainerLogName{"p", "ns", "side-car", id}));
}

TEST(ParseContainerLogName, NotAContainerLog) {
  const std::string id = std::string(64, 'a');
  for (const std::string& bad :
       {std::string(), "p_ns_c-" + id, "p_ns_c-" + id + ".log.1", "p_ns_c_" + id + ".log",
        "p_ns_c-" + id.substr(1) + ".log", "p_ns_c-" + std::string(64, 'A') + ".log",
        "p_ns_c-" + std::string(64, 'g') + ".log", "p_ns-" + id + ".log", "p_ns_x_c-" + id + ".log",
        "p_ns_-" + id + ".log", "-" + id + ".log", id + ".log"}) {
    EXPECT_EQ(parse_container_log_name(bad), std::nullopt) << bad;
  }
}

// --- passwd

TEST(PasswdHome, FirstLineWithTheUid) {
  const std::string passwd =
      "root:x:0:0:root:/root:/bin/bash\n"
      "# a comment line\n"
      "+::::::\n"
      "broken:x:1000\n"
      "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"
      "alias:x:1000:1000::/home/other:/bin/sh\n"
      "bob:x:1001:1001::relative:/bin/sh\n"
      "carol:x:1002:1002::/home/carol";
  EXPECT_EQ(passwd_home(passwd, 0), "/root");
  EXPECT_EQ(passwd_home(passwd, 1000), "/home/alice");
  EXPECT_EQ(passwd_home(passwd, 1001), std::nullopt);
  EXPECT_EQ(passwd_home(passwd, 1002), "/home/carol");
  EXPECT_EQ(passwd_home(passwd, 4242), std::nullopt);
  EXPECT_EQ(passwd_home("", 0), std::nullopt);
}

}  // namespace
}  // namespace pidns
