// Tests for the parsers of engines' state files: captured files in tests/fixtures/names, and
// small hand-written texts for what a captured file does not show.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>

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
            (EngineDaemon{"/srv/docker", ""}));
  EXPECT_EQ(parse_dockerd_cmdline(cmdline(
                {"dockerd", "-H", "fd://", "--data-root=/srv/d", "--config-file=/etc/d.json"})),
            (EngineDaemon{"/srv/d", "/etc/d.json"}));
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--config-file", "/c.json"})),
            (EngineDaemon{"", "/c.json"}));
}

TEST(ParseDockerdCmdline, TheLastOneCounts) {
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--data-root=/a", "--data-root", "/b"})),
            (EngineDaemon{"/b", ""}));
}

TEST(ParseDockerdCmdline, NotTheFlag) {
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd"})), EngineDaemon{});
  EXPECT_EQ(parse_dockerd_cmdline(""), EngineDaemon{});
  // The program name is not an option, a missing value is none, a longer flag is another flag.
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"--data-root=/x"})), EngineDaemon{});
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--data-root"})), EngineDaemon{});
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--data-rootx=/x"})), EngineDaemon{});
  EXPECT_EQ(parse_dockerd_cmdline(cmdline({"dockerd", "--", "--data-root=/x"})), EngineDaemon{});
  // Without the final NUL (a process that rewrote its arguments).
  EXPECT_EQ(parse_dockerd_cmdline(std::string("dockerd\0--data-root=/x", 22)),
            (EngineDaemon{"/x", ""}));
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

const std::string kPodmanId = "d8eace0b2ed9e54b512e528551039eb8db15c7e226c690df352d025ee7f85469";
const std::unordered_set<std::string> kAll = {"a", "b", "c", "d", "e", "f", "g", "h", kPodmanId};
using NameMap = std::unordered_map<std::string, std::string>;

TEST(ParseContainersJson, CapturedFromPodman4) {
  EXPECT_EQ(parse_containers_json(fixture("podman-containers.json"), kAll),
            (NameMap{{kPodmanId, "web"}}));
  EXPECT_EQ(parse_containers_json(fixture("podman-containers.json"), {"a"}), NameMap{});
}

TEST(ParseContainersJson, FirstNameOfEachUsableEntry) {
  const std::string json =
      R"([{"id":"a","names":["web","alias"]},{"id":"b","names":[]},{"id":"c"},)"
      R"({"names":["no-id"]},{"id":"d","names":[7]},7,{"id":"e","names":["e1"]},)"
      R"({"id":"a","names":["again"]},{"id":"f","names":"f"},{"id":["g"],"names":["g"]},)"
      R"({"id":"h","names":[{"x":"h0"},"h1"]},{"id":"b","names":[["b0"],"b1"]}])";
  EXPECT_EQ(parse_containers_json(json, kAll), (NameMap{{"a", "web"}, {"e", "e1"}}));
  // Only the ids asked for are kept.
  EXPECT_EQ(parse_containers_json(json, {"e", "z"}), (NameMap{{"e", "e1"}}));
}

TEST(ParseContainersJson, DuplicateKeysTheLastCounts) {
  EXPECT_EQ(parse_containers_json(R"([{"id":"x","id":"a","names":["n"],"names":["m"]}])", kAll),
            (NameMap{{"a", "m"}}));
  EXPECT_EQ(parse_containers_json(R"([{"id":"a","names":["n"],"names":7}])", kAll), NameMap{});
  EXPECT_EQ(parse_containers_json(R"([{"id":"a","id":null,"names":["n"]}])", kAll), NameMap{});
}

TEST(ParseContainersJson, MalformedTextGivesNothing) {
  for (std::string_view bad :
       {"", "{}", "[[{\"id\":\"a\",\"names\":[\"web\"]}]]", R"({"x":[{"id":"a","names":["w"]}]})",
        R"([{"id":"a","names":["web"]})", R"([{"id":"a","names":["web"]}] x)"}) {
    EXPECT_EQ(parse_containers_json(bad, kAll), NameMap{}) << bad;
  }
}

// --- the bounds, before the parser sees the text

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// The text in pieces of `size` bytes, as a file is read.
TextPieces in_pieces(const std::string& text, std::size_t size) {
  return [&text, size, at = std::size_t{0}]() mutable {
    std::string_view piece = std::string_view(text).substr(std::min(at, text.size()), size);
    at += piece.size();
    return piece;
  };
}

TEST(JsonBounds, NestingDeeperThanTheBoundIsNoDocument) {
  const std::string entry = R"({"id":"a","names":["web"]})";
  // Within: the entry two levels down, plus 30 more levels elsewhere.
  std::string deep =
      "[" + entry + "," + repeat("[", kMaxJsonDepth - 1) + repeat("]", kMaxJsonDepth - 1) + "]";
  EXPECT_EQ(parse_containers_json(deep, kAll), (NameMap{{"a", "web"}}));
  std::string deeper =
      "[" + entry + "," + repeat("[", kMaxJsonDepth) + repeat("]", kMaxJsonDepth) + "]";
  EXPECT_EQ(parse_containers_json(deeper, kAll), NameMap{});
  // The attack's shape: 4 MiB of brackets, which cost nlohmann 40 times that in a document.
  EXPECT_EQ(parse_containers_json(repeat("[", 4 << 20), kAll), NameMap{});
  EXPECT_EQ(parse_docker_config(repeat("{\"a\":", 1 << 20), kCapturedId), std::nullopt);
  EXPECT_EQ(parse_daemon_json_data_root(repeat("[", 1 << 20)), "");
}

TEST(JsonBounds, ALongerTokenIsNoDocument) {
  auto with_name = [](std::size_t n) {
    return R"([{"id":"a","names":["web"],"x":")" + std::string(n, 'x') + R"("}])";
  };
  EXPECT_EQ(parse_containers_json(with_name(kMaxJsonToken), kAll), (NameMap{{"a", "web"}}));
  EXPECT_EQ(parse_containers_json(with_name(kMaxJsonToken + 1), kAll), NameMap{});
  // Escapes count as the bytes they are written with; keys and numbers are tokens too.
  EXPECT_EQ(
      parse_containers_json(
          R"([{"id":"a","names":["web"],")" + repeat("\\n", kMaxJsonToken) + R"(":1}])", kAll),
      NameMap{});
  EXPECT_EQ(
      parse_containers_json(
          R"([{"id":"a","names":["web"],"x":)" + std::string(kMaxJsonToken + 1, '1') + "}]", kAll),
      NameMap{});
  // A long key the handler does not keep, within the bound: the entry still counts.
  EXPECT_EQ(parse_containers_json(
                R"([{"id":"a",")" + std::string(100000, 'k') + R"(":1,"names":["web"]}])", kAll),
            (NameMap{{"a", "web"}}));
}

TEST(JsonBounds, PiecesOfAnySizeGiveTheSameAnswer) {
  const std::string containers = fixture("podman-containers.json");
  const std::string config = fixture("docker-config.v2.json");
  for (std::size_t size : {1, 2, 3, 7, 64, 4096}) {
    EXPECT_EQ(parse_containers_json(in_pieces(containers, size), kAll),
              (NameMap{{kPodmanId, "web"}}))
        << size;
    EXPECT_EQ(parse_docker_config(in_pieces(config, size), kCapturedId),
              names("shop-web", "shop", "web"))
        << size;
    std::string deep = repeat("[", kMaxJsonDepth + 1);
    EXPECT_EQ(parse_containers_json(in_pieces(deep, size), kAll), NameMap{}) << size;
  }
}

TEST(JsonBounds, WhatFollowsTheNameIsNotReadEvenPastABound) {
  // dockerd's order: ID, Config, Name; the parse stops there, before the over-deep rest.
  std::string good = fixture("docker-config.v2.json");
  std::size_t end =
      good.find("\"Name\":\"/shop-web\"") + std::string("\"Name\":\"/shop-web\"").size();
  EXPECT_EQ(parse_docker_config(good.substr(0, end) + "," + repeat("[", 100), kCapturedId),
            names("shop-web", "shop", "web"));
}

TEST(TomlBounds, TheAttacksDottedKeyIsNoConfiguration) {
  // 400 KB, one dotted key of 200,000 parts: it overflowed the stack inside tomlplusplus.
  std::string deep = "[storage]\ndriver = \"vfs\"\n" + repeat("a.", 200000) + "a = 1\n";
  EXPECT_EQ(parse_storage_conf(deep), std::nullopt);
  // The same within the size bound, and as a table header, a quoted key, an inline table.
  std::string parts = repeat("a.", kMaxStorageConfSize / 2 - 16) + "a";
  EXPECT_EQ(parse_storage_conf(parts + " = 1\n"), std::nullopt);
  EXPECT_EQ(parse_storage_conf("[" + parts + "]\n"), std::nullopt);
  EXPECT_EQ(parse_storage_conf(repeat("\"a\" . ", 1000) + "a = 1\n"), std::nullopt);
  EXPECT_EQ(parse_storage_conf("x = " + repeat("{a=", 1000) + "1" + repeat("}", 1000) + "\n"),
            std::nullopt);
  EXPECT_EQ(parse_storage_conf("x = " + repeat("[", 1000) + repeat("]", 1000) + "\n"),
            std::nullopt);
}

TEST(TomlBounds, KeysUpToTheBoundAreRead) {
  std::string most = repeat("a.", kMaxTomlKeyParts - 1) + "a";  // kMaxTomlKeyParts parts
  EXPECT_EQ(parse_storage_conf("[storage]\ndriver = \"vfs\"\n[" + most + "]\n" + most + " = 1\n"),
            (StorageConf{"vfs", ""}));
  EXPECT_EQ(parse_storage_conf("[storage]\n" + most + ".a = 1\n"), std::nullopt);
  std::string nest = repeat("[", kMaxTomlDepth) + repeat("]", kMaxTomlDepth);
  EXPECT_EQ(parse_storage_conf("[storage]\ndriver = \"vfs\"\nx = " + nest + "\n"),
            (StorageConf{"vfs", ""}));
  EXPECT_EQ(parse_storage_conf("[storage]\nx = [" + nest + "]\n"), std::nullopt);
}

TEST(TomlBounds, DotsInStringsAndCommentsAreNotKeyParts) {
  std::string dots = repeat(".", 100);
  EXPECT_EQ(parse_storage_conf("# " + dots + "\n[storage]\ndriver = \"" + dots +
                               "\"\ngraphroot = '" + dots + "'\nx = \"\"\"" + dots +
                               "\"\"\"\ny = '''" + dots + "'''\nz = \"\\\"" + dots + "\"\n"),
            (StorageConf{dots, dots}));
  // Floats and dates are short dotted runs.
  EXPECT_EQ(parse_storage_conf("[storage]\nf = 1.5\nd = 1979-05-27T07:32:00.999Z\n"),
            (StorageConf{"", ""}));
}

TEST(TomlBounds, ALargerFileIsNoConfiguration) {
  std::string conf = "[storage]\ndriver = \"vfs\"\n";
  std::string padded = conf + std::string(kMaxStorageConfSize - conf.size() - 1, '#') + "\n";
  EXPECT_EQ(parse_storage_conf(padded), (StorageConf{"vfs", ""}));
  EXPECT_EQ(parse_storage_conf(padded + "#"), std::nullopt);
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

namespace pidns {
namespace {

TEST(PasswdNames, TakesTheFirstLineOfEachUidAskedFor) {
  std::string passwd =
      "root:x:0:0:root:/root:/bin/sh\n"
      "broken line\n"
      ":x:5:5::/:/bin/sh\n"
      "alice:x:1000:1000::/home/alice:/bin/sh\n"
      "again:x:1000:1000::/home/again:/bin/sh\n"
      "bob:x:1001:1001::/home/bob:/bin/sh";
  auto names = passwd_names(passwd, {0, 5, 1000, 4242});
  EXPECT_EQ(names, (std::unordered_map<uid_t, std::string>{{0, "root"}, {1000, "alice"}}));
  EXPECT_TRUE(passwd_names(passwd, {}).empty());
}

}  // namespace
}  // namespace pidns
