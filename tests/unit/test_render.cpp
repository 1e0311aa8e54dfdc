// Tests for the text and JSON renderings of a namespace forest.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_source.hpp"
#include "output/render.hpp"
#include "output/walk.hpp"

namespace pidns {
namespace {

using testing::FakeSource;
using testing::ns;
using testing::procs;

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
  EXPECT_EQ(text(sample(), {.walk = {.processes = false}, .unicode = false}),
            "pid:[100] level 0, 2 processes, 2 threads (current)\n"
            "|-- pid:[200] level 1, no processes (hidden)\n"
            "|   `-- pid:[300] level 2, 2 processes, 3 threads\n"
            "`-- pid:[400] level 1, 1 process, 5 threads\n");
}

TEST(RenderText, ColorsOnlyLabelsAndMarkers) {
  std::string out = text(sample(), {.walk = {.processes = false}, .color = true});
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

TEST(RenderText, ShowsOwnersIdsPinsAndChildNamespaces) {
  FakeSource src;
  src.process(1, "init", ns(100), {1}).process(7, "unsharer", ns(100), {7}, 1);
  src.process(8, "waiting", ns(100), {8}, 1);
  src.parent(ns(200), ns(100)).parent(ns(300), ns(100));
  Scan& raw = src.raw();
  raw.processes[1].children_ns = ns(200);
  raw.processes[2].children_pending = true;
  raw.namespaces[ns(100)].owner = Owner{ns(9), 0};
  raw.namespaces[ns(100)].unique_id = 42;
  raw.namespaces[ns(200)].pins = {Pin{Pin::Kind::Children, 7, -1, {}}};
  raw.namespaces[ns(300)].pins = {Pin{Pin::Kind::Fd, 8, 5, {}},
                                  Pin{Pin::Kind::Mount, 1, -1, "/run/x\ny"}};
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  RenderOptions options{.unicode = false, .owner = true, .unique_id = true};
  options.user_names[0] = "root";
  EXPECT_EQ(
      text(g, options),
      "pid:[100] level 0, 3 processes, 3 threads, owner uid 0 (root) of user:[9], id 42\n"
      "|-- 1 init  nstgid=1  (init)\n"
      "|-- 7 unsharer  nstgid=7  children in pid:[200]\n"
      "|-- 8 waiting  nstgid=8  children in a new namespace, not yet started\n"
      "|-- pid:[200] level 1, no processes, owner not visible, held by pid_for_children of PID "
      "7 (hidden)\n"
      "`-- pid:[300] level 1, no processes, owner not visible, held by fd 5 of PID 8 and mount "
      "at /run/x\\x0Ay (PID 1) (hidden)\n");

  // DOT says the same in its boxes.
  std::string dot;
  render_dot(g, whole_view(g, std::nullopt), options, dot);
  EXPECT_NE(dot.find("label=\"pid:[100]\\nlevel 0\\n3 processes, 3 threads\\nowner uid 0 (root) "
                     "of user:[9]\\nid 42\""),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("\\nheld by fd 5 of PID 8 and mount at /run/x\\\\x0Ay (PID 1)\""),
            std::string::npos)
      << dot;
}

TEST(RenderText, DrawsProcessTreesByParentPid) {
  FakeSource src;
  src.process(1, "init", ns(100), {1}, 0)
      .process(2, "sshd", ns(100), {2}, 1)
      .process(3, "bash", ns(100), {3}, 2)
      .process(4, "cron", ns(100), {4}, 1)
      .process(9, "orphan", ns(100), {9}, 77);  // parent outside the namespace
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  EXPECT_EQ(text(g, {.walk = {.ptree = true}, .unicode = false}),
            "pid:[100] level 0, 5 processes, 5 threads\n"
            "|-- 1 init  nstgid=1  (init)\n"
            "|   |-- 2 sshd  nstgid=2\n"
            "|   |   `-- 3 bash  nstgid=3\n"
            "|   `-- 4 cron  nstgid=4\n"
            "`-- 9 orphan  nstgid=9\n");
}

// A host with kthreadd (2) and two kernel threads, and a user-mode helper started by kthreadd.
NamespaceGraph with_kernel_threads() {
  FakeSource src;
  src.process(1, "init", ns(100), {1})
      .process(2, "kthreadd", ns(100), {2})
      .process(3, "kworker/0:0", ns(100), {3}, 2)
      .process(4, "ksoftirqd/0", ns(100), {4}, 2)
      .process(5, "modprobe", ns(100), {5}, 2)
      .process(9, "sh", ns(100), {9}, 1);
  for (Process& p : src.raw().processes) p.status.kernel_thread = p.pid >= 2 && p.pid <= 4;
  return NamespaceGraph::build(src.scan());
}

TEST(RenderText, SumsUpKernelThreadsAfterTheProcesses) {
  NamespaceGraph g = with_kernel_threads();
  EXPECT_EQ(text(g, {.unicode = false}),
            "pid:[100] level 0, 6 processes, 6 threads\n"
            "|-- 1 init  nstgid=1  (init)\n"
            "|-- 5 modprobe  nstgid=5\n"
            "|-- 9 sh  nstgid=9\n"
            "`-- 3 kernel threads (--kernel-threads lists them)\n");
  EXPECT_EQ(text(g, {.walk = {.kernel_threads = true}, .unicode = false}).find("kernel threads ("),
            std::string::npos);
}

TEST(RenderText, PutsTheSummaryWhereKthreaddsSubtreeWouldBe) {
  NamespaceGraph g = with_kernel_threads();
  EXPECT_EQ(text(g, {.walk = {.ptree = true}, .unicode = false}),
            "pid:[100] level 0, 6 processes, 6 threads\n"
            "|-- 1 init  nstgid=1  (init)\n"
            "|   `-- 9 sh  nstgid=9\n"
            "|-- 3 kernel threads (--kernel-threads lists them)\n"
            "`-- 5 modprobe  nstgid=5\n");
}

TEST(RenderText, ListsASelectedKernelThread) {
  NamespaceGraph g = with_kernel_threads();
  std::string out;
  render_text(g, pid_view(g, procs(g, {3}), std::nullopt), {.unicode = false}, out);
  EXPECT_NE(out.find("|-- 3 kworker/0:0  nstgid=3  (selected)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("2 kernel threads (--kernel-threads lists them)"), std::string::npos) << out;
}

TEST(RenderJsonAndDot, MarkKernelThreadsAndSumThemUp) {
  NamespaceGraph g = with_kernel_threads();
  std::string json;
  render_json(g, whole_view(g, std::nullopt), {}, json);
  nlohmann::json doc = nlohmann::json::parse(json);
  std::vector<int> marked;
  for (const auto& p : doc["pidns"][0]["processes"]) {
    if (p.contains("kernel_thread")) marked.push_back(p["pid"]);
  }
  EXPECT_EQ(marked, (std::vector<int>{2, 3, 4}));
  std::string dot;
  render_dot(g, whole_view(g, std::nullopt), {}, dot);
  EXPECT_NE(dot.find("ns_4_100_kthreads [shape=plaintext, label=\"3 kernel threads\"]"),
            std::string::npos)
      << dot;
  EXPECT_EQ(dot.find("p_3 "), std::string::npos) << dot;
}

TEST(ProcessForest, CutsParentLoopsSoEveryMemberAppearsOnce) {
  FakeSource src;  // 5 and 6 name each other as parents: only a PID reused mid-scan does that
  src.process(5, "a", ns(100), {5}, 6)
      .process(6, "b", ns(100), {6}, 5)
      .process(7, "c", ns(100), {7}, 6);
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  ProcessForest forest = process_forest(g.at(ns(100)).processes, std::vector<bool>(3, true));
  std::size_t seen = forest.roots.size();
  for (const auto& kids : forest.children) seen += kids.size();
  EXPECT_EQ(seen, 3u);
  EXPECT_EQ(forest.roots, std::vector<std::size_t>{0});
}

TEST(RenderDot, DrawsOneBoxPerNamespaceAndEscapesNames) {
  FakeSource src;
  src.process(1, "in\"it\\", ns(100), {1})
      .process(5, "x", ns(200), {5, 1})
      .parent(ns(200), ns(100));
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  std::string out;
  render_dot(g, whole_view(g, std::nullopt), {}, out);
  EXPECT_EQ(out.rfind("digraph pidns {\n", 0), 0u);
  EXPECT_NE(out.find("ns_4_100 [shape=box"), std::string::npos) << out;
  EXPECT_NE(out.find("ns_4_100 -> ns_4_200;"), std::string::npos) << out;
  EXPECT_NE(out.find("label=\"1 in\\\"it\\\\\\\\\\n1\""), std::string::npos) << out;
  std::string no_pids;
  render_dot(g, whole_view(g, std::nullopt), {.walk = {.processes = false}}, no_pids);
  EXPECT_EQ(no_pids.find("ellipse"), std::string::npos);
}

TEST(RenderText, SaysWhoseProcfsItScanned) {
  FakeSource src;
  src.process(5, "x", ns(300), {5, 1}).parent(ns(300), ns(200));
  src.raw().proc_root = "/host/proc";
  src.raw().procfs = ProcfsView{ProcfsView::Relation::Ancestor, 2, ns(100)};
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  std::string out =
      text(g, {.walk = {.processes = false}, .unicode = false, .procfs_header = true});
  EXPECT_EQ(out.substr(0, out.find('\n')),
            "procfs /host/proc: pid:[100], 2 levels above pidns-tree's own PID namespace");
  src.raw().procfs = ProcfsView{ProcfsView::Relation::Descendant, 1, ns(300)};
  out = text(NamespaceGraph::build(src.scan()), {.procfs_header = true});
  EXPECT_EQ(out.substr(0, out.find('\n')),
            "procfs /host/proc: pid:[300], 1 level below pidns-tree's own PID namespace");
  EXPECT_EQ(text(g, {}).rfind("pid:[", 0), 0u);  // no header unless asked
}

TEST(Render, SpillsInPiecesThatAddUpToTheWholeDocument) {
  NamespaceGraph g = sample();
  View v = whole_view(g, std::nullopt);
  for (auto render : {render_text, render_json, render_dot}) {
    std::string whole;
    render(g, v, {}, whole);
    std::string spilled, rest;
    int calls = 0;
    RenderOptions options;
    options.spill = [&](std::string& rendered) {
      ++calls;
      spilled += rendered.substr(0, rendered.size() / 2);  // take only part of it, at times
      rendered.erase(0, rendered.size() / 2);
    };
    render(g, v, options, rest);
    EXPECT_GT(calls, 0);
    EXPECT_EQ(spilled + rest, whole);
  }
}

nlohmann::json json(const NamespaceGraph& g, RenderOptions options = {}) {
  std::string out;
  render_json(g, whole_view(g, std::nullopt), options, out);
  EXPECT_EQ(out.back(), '\n');
  return nlohmann::json::parse(out);
}

TEST(RenderJson, NestsNamespacesWithTheirProcesses) {
  nlohmann::json doc = json(sample());
  EXPECT_EQ(doc["schema"], 2);
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
  nlohmann::json leaf =
      json(sample(), {.walk = {.processes = false}})["pidns"][0]["children"][0]["children"][0];
  EXPECT_FALSE(leaf.contains("processes"));
  EXPECT_EQ(leaf["process_count"], 2);
}

TEST(RenderJson, MarksSelectionsCutsPinsAndProcessTrees) {
  FakeSource src;
  src.process(1, "init", ns(100), {1}).process(2, "sh", ns(100), {2}, 1);
  src.process(5, "x", ns(200), {5, 1}).process(6, "y", ns(300), {6, 2, 1}).parent(ns(200), ns(100));
  src.parent(ns(300), ns(200));
  src.raw().namespaces[ns(200)].pins = {Pin{Pin::Kind::Mount, 1, -1, "/run/p"}};
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  std::string out;
  render_json(g, pid_view(g, procs(g, {5}), 1), {.walk = {.ptree = true}}, out);
  nlohmann::json doc = nlohmann::json::parse(out);
  const nlohmann::json& top = doc.at("pidns").at(0);
  EXPECT_EQ(top.at("partial"), true);
  EXPECT_FALSE(top.contains("processes"));
  const nlohmann::json& sel = top.at("children").at(0);
  EXPECT_EQ(sel.at("processes").at(0).at("selected"), true);
  EXPECT_EQ(sel.at("processes").at(0).at("children"), nlohmann::json::array());
  EXPECT_EQ(sel.at("pins").at(0),
            (nlohmann::json{{"kind", "mount"}, {"pid", 1}, {"mountpoint", "/run/p"}}));
  EXPECT_EQ(sel.at("cut"), (nlohmann::json{{"namespaces", 1}, {"processes", 1}}));
  EXPECT_EQ(sel.at("children"), nlohmann::json::array());

  out.clear();
  render_json(g, whole_view(g, std::nullopt), {.walk = {.ptree = true}}, out);
  doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc.at("pidns").at(0).at("processes").size(), 1u);  // sh hangs below init
  EXPECT_EQ(doc.at("pidns").at(0).at("processes").at(0).at("children").at(0).at("pid"), 2);
}

TEST(RenderJson, SurvivesNamesThatAreNotUtf8) {
  FakeSource src;
  src.process(5, "bad\xFFname\"\\\n\x01", ns(100));
  nlohmann::json doc = json(NamespaceGraph::build(src.scan()));
  EXPECT_EQ(doc["pidns"][0]["processes"][0]["name"], "bad\xEF\xBF\xBDname\"\\\n\x01");
}

// A Docker container and a pod container whose state files named them; the compose project
// is hostile, as labels may be.
NamespaceGraph named_containers() {
  const std::string docker_id = "0863501e45d8" + std::string(52, 'a');
  const std::string pod_id = "f1cde6a8dc2e" + std::string(52, 'b');
  FakeSource src;
  src.process(1, "init", ns(100))
      .process(5, "sleep", ns(200), {5, 1}, 1)
      .process(6, "cart", ns(300), {6, 1}, 1)
      .parent(ns(200), ns(100))
      .parent(ns(300), ns(100));
  Scan& raw = src.raw();
  raw.namespaces[ns(200)].container = recognise_cgroup("0::/docker/" + docker_id + "\n");
  raw.namespaces[ns(200)].container->names.name = "shop-web";
  raw.namespaces[ns(200)].container->names.compose_project = "ev\x1b[2Jil";
  raw.namespaces[ns(200)].container->names.compose_service = "web";
  raw.namespaces[ns(300)].container = recognise_cgroup(
      "0::/kubepods.slice/kubepods-pod0b1c2d3e_4f50_6172_8394_a5b6c7d8e9f0.slice/"
      "cri-containerd-" +
      pod_id + ".scope\n");
  raw.namespaces[ns(300)].container->names.name = "cart";
  raw.namespaces[ns(300)].container->names.pod_name = "cart-5d8f9c7b6-x2x9q";
  raw.namespaces[ns(300)].container->names.pod_namespace = "checkout";
  return NamespaceGraph::build(src.scan());
}

TEST(RenderText, ShowsContainerNamesEscaped) {
  NamespaceGraph g = named_containers();
  std::string out = text(g, {});
  EXPECT_NE(out.find("pid:[200] level 1, 1 process, 1 thread "
                     "[docker shop-web (compose ev\\x1B[2Jil/web) 0863501e45d8]\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("pid:[300] level 1, 1 process, 1 thread "
                     "[k8s checkout/cart-5d8f9c7b6-x2x9q cart containerd f1cde6a8dc2e]\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
}

TEST(RenderDot, ShowsContainerNamesEscaped) {
  NamespaceGraph g = named_containers();
  std::string out;
  render_dot(g, whole_view(g, std::nullopt), {}, out);
  EXPECT_NE(out.find("\\ndocker shop-web (compose ev\\\\x1B[2Jil/web) 0863501e45d8\""),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\\nk8s checkout/cart-5d8f9c7b6-x2x9q cart containerd f1cde6a8dc2e\""),
            std::string::npos)
      << out;
}

TEST(RenderJson, ContainerNamesAreStringsEmptyWhenUnknown) {
  nlohmann::json doc = json(named_containers());
  const nlohmann::json& host = doc["pidns"][0];
  EXPECT_TRUE(host["container"].is_null());
  const nlohmann::json& docker = host["children"][0]["container"];
  EXPECT_EQ(docker["engine"], "docker");
  EXPECT_EQ(docker["name"], "shop-web");
  EXPECT_EQ(docker["compose_project"], "ev\x1b[2Jil");  // as it is: JSON escapes it itself
  EXPECT_EQ(docker["compose_service"], "web");
  EXPECT_EQ(docker["pod_name"], "");
  EXPECT_EQ(docker["pod_namespace"], "");
  EXPECT_EQ(docker["containerd_namespace"], "");
  const nlohmann::json& pod = host["children"][1]["container"];
  EXPECT_EQ(pod["pod_uid"], "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0");
  EXPECT_EQ(pod["name"], "cart");
  EXPECT_EQ(pod["pod_name"], "cart-5d8f9c7b6-x2x9q");
  EXPECT_EQ(pod["pod_namespace"], "checkout");
  EXPECT_EQ(pod["compose_project"], "");
  // Keys in the order they are written.
  NamespaceGraph g = named_containers();
  std::string out;
  render_json(g, whole_view(g, std::nullopt), {}, out);
  std::size_t at = out.find("\"container\": {");
  ASSERT_NE(at, std::string::npos) << out;
  for (const char* key : {"engine", "id", "pod_uid", "containerd_namespace", "name", "pod_name",
                          "pod_namespace", "compose_project", "compose_service"}) {
    std::size_t next = out.find(fmt::format("\"{}\": ", key), at);
    EXPECT_NE(next, std::string::npos) << key;
    EXPECT_LT(next, out.find('}', at)) << key << " is not in the first container object";
    at = next;
  }
}

// --translate --json names the target as the tree does: an inferred namespace (no inode) has
// null dev and ino, never its init's PID in the ino field.
TEST(RenderJson, TranslationNamesAnInferredTargetWithNulls) {
  std::string out;
  render_translation_json(42, NsId::inferred(4242), 7, out);
  auto doc = nlohmann::json::parse(out);
  EXPECT_TRUE(doc["ns"]["dev"].is_null()) << out;
  EXPECT_TRUE(doc["ns"]["ino"].is_null()) << out;
  EXPECT_EQ(doc["ns"]["label"], "pid:[?]") << out;
  EXPECT_EQ(doc["translated"], 7) << out;
  out.clear();
  render_translation_json(42, ns(200), 7, out);
  doc = nlohmann::json::parse(out);
  EXPECT_EQ(doc["ns"]["ino"], 200) << out;
}

}  // namespace
}  // namespace pidns
