// Tests for the text and JSON renderings of a namespace forest.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_source.hpp"
#include "render.hpp"

namespace pidns {
namespace {

using testing::FakeSource;
using testing::ns;

// host (100) -> hidden (200) -> leaf (300); host -> sibling (400)
NamespaceGraph sample() {
  FakeSource src;
  src.process(1, "systemd", ns(100), {1}, 0, 0, 1)
      .process(42, "bash", ns(100), {42}, 1, 1000, 1)
      .process(77, "sh", ns(300), {77, 3, 1}, 42, 0, 2)
      .process(78, "sleep", ns(300), {78, 4, 2}, 77, 0, 1)
      .process(90, "nginx", ns(400), {90, 1}, 1, 33, 5)
      .parent(ns(300), ns(200))
      .parent(ns(200), ns(100))
      .parent(ns(400), ns(100))
      .self(ns(100));
  return NamespaceGraph::build(src.scan());
}

std::string text(const NamespaceGraph& g, RenderOptions options) {
  std::string out;
  render_text(g, whole_view(g, std::nullopt), options, out);
  return out;
}

TEST(RenderText, DrawsTheTreeWithUnicodeGlyphs) {
  EXPECT_EQ(text(sample(), {}),
            "pid:[100] level 0, 2 processes, 2 threads (current)\n"
            "├── 1 systemd  nstgid=1  (init)\n"
            "├── 42 bash  nstgid=42\n"
            "├── pid:[200] level 1, no processes (hidden)\n"
            "│   └── pid:[300] level 2, 2 processes, 3 threads\n"
            "│       ├── 77 sh  nstgid=77/3/1  (init)\n"
            "│       └── 78 sleep  nstgid=78/4/2\n"
            "└── pid:[400] level 1, 1 process, 5 threads\n"
            "    └── 90 nginx  nstgid=90/1  (init)\n");
}

TEST(RenderText, DrawsAsciiAndLeavesOutProcessesOnRequest) {
  EXPECT_EQ(text(sample(), {.processes = false, .unicode = false}),
            "pid:[100] level 0, 2 processes, 2 threads (current)\n"
            "|-- pid:[200] level 1, no processes (hidden)\n"
            "|   `-- pid:[300] level 2, 2 processes, 3 threads\n"
            "`-- pid:[400] level 1, 1 process, 5 threads\n");
}

TEST(RenderText, ColorsOnlyLabelsAndMarkers) {
  std::string out = text(sample(), {.processes = false, .color = true});
  EXPECT_NE(out.find("\x1b[1;34mpid:[100]\x1b[0m level 0"), std::string::npos) << out;
  EXPECT_NE(out.find("\x1b[1;33m(current)\x1b[0m"), std::string::npos) << out;
  EXPECT_EQ(text(sample(), {}).find('\x1b'), std::string::npos);
}

TEST(RenderText, EscapesHostileNames) {
  FakeSource src;
  src.process(5, "ev\x1b[2Jil\nname", ns(100));
  std::string out = text(NamespaceGraph::build(src.scan()), {});
  EXPECT_NE(out.find("5 ev\\x1B[2Jil\\x0Aname  nstgid=5"), std::string::npos) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2);  // one namespace, one process
}

nlohmann::json json(const NamespaceGraph& g, RenderOptions options = {}) {
  std::string out;
  render_json(g, whole_view(g, std::nullopt), options, out);
  EXPECT_EQ(out.back(), '\n');
  return nlohmann::json::parse(out);
}

TEST(RenderJson, NestsNamespacesWithTheirProcesses) {
  nlohmann::json doc = json(sample());
  EXPECT_EQ(doc["schema"], 1);
  EXPECT_EQ(doc["proc"], "/proc");
  EXPECT_EQ(doc["summary"]["namespaces"], 4);
  EXPECT_EQ(doc["summary"]["processes"], 5);
  ASSERT_EQ(doc["pidns"].size(), 1u);
  const nlohmann::json& host = doc["pidns"][0];
  EXPECT_EQ(host["dev"], 4);
  EXPECT_EQ(host["ino"], 100);
  EXPECT_EQ(host["label"], "pid:[100]");
  EXPECT_EQ(host["current"], true);
  EXPECT_EQ(host["init"], 1);
  EXPECT_EQ(host["processes"][1]["name"], "bash");
  EXPECT_EQ(host["processes"][1]["uid"], 1000);
  EXPECT_EQ(host["processes"][1]["ppid"], 1);
  const nlohmann::json& hidden = host["children"][0];
  EXPECT_EQ(hidden["hidden"], true);
  EXPECT_TRUE(hidden["init"].is_null());
  EXPECT_EQ(hidden["process_count"], 0);
  const nlohmann::json& leaf = hidden["children"][0];
  EXPECT_EQ(leaf["level"], 2);
  EXPECT_EQ(leaf["init"], 77);
  EXPECT_EQ(leaf["thread_count"], 3);
  EXPECT_EQ(leaf["processes"][1]["nstgid"], nlohmann::json::array({78, 4, 2}));
  EXPECT_EQ(host["children"][1]["ino"], 400);
}

TEST(RenderJson, KeepsKeysInAStableOrder) {
  std::string out;
  NamespaceGraph g = sample();
  render_json(g, whole_view(g, std::nullopt), {}, out);
  EXPECT_LT(out.find("\"schema\""), out.find("\"proc\""));
  EXPECT_LT(out.find("\"proc\""), out.find("\"summary\""));
  EXPECT_LT(out.find("\"summary\""), out.find("\"pidns\""));
  EXPECT_LT(out.find("\"dev\""), out.find("\"ino\""));
}

TEST(RenderJson, NoPidsDropsProcessesButKeepsCounts) {
  nlohmann::json leaf = json(sample(), {.processes = false})["pidns"][0]["children"][0]["children"][0];
  EXPECT_FALSE(leaf.contains("processes"));
  EXPECT_EQ(leaf["process_count"], 2);
}

TEST(RenderJson, SurvivesNamesThatAreNotUtf8) {
  FakeSource src;
  src.process(5, "bad\xFFname\"\\\n\x01", ns(100));
  nlohmann::json doc = json(NamespaceGraph::build(src.scan()));
  EXPECT_EQ(doc["pidns"][0]["processes"][0]["name"], "bad\xEF\xBF\xBDname\"\\\n\x01");
}

}  // namespace
}  // namespace pidns
