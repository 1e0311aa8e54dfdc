// Tests for the OpenMetrics output: label escaping, the layout of families, and --output's file
// that is replaced whole or not at all.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "app/cli.hpp"
#include "app/output_file.hpp"
#include "app/run.hpp"
#include "fake_source.hpp"
#include "output/render.hpp"
#include "temp_root.hpp"

namespace pidns {
namespace {

using testing::FakeSource;
using testing::ns;
using testing::TempRoot;

TEST(OpenMetricsLabelValue, EscapesBackslashQuoteAndNewlineOnly) {
  EXPECT_EQ(openmetrics_label_value("plain"), "plain");
  EXPECT_EQ(openmetrics_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  // Everything else is allowed raw inside the quotes (OpenMetrics' escaped-string): tab, CR,
  // ESC, DEL, C1 controls and printable text.
  EXPECT_EQ(openmetrics_label_value("t\tr\re\x1b[2J\x7f"), "t\tr\re\x1b[2J\x7f");
  EXPECT_EQ(openmetrics_label_value("caf\xC3\xA9 \xE6\x96\x87 \xC2\x85"),
            "caf\xC3\xA9 \xE6\x96\x87 \xC2\x85");
  EXPECT_EQ(openmetrics_label_value(""), "");
}

TEST(OpenMetricsLabelValue, RepairsBytesThatAreNotUtf8AsJsonDoes) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  EXPECT_EQ(openmetrics_label_value("\xFF\xFE"), r + r);
  EXPECT_EQ(openmetrics_label_value("\xE2\x80"
                                    "A"),
            r + "A");                                             // one maximal subpart
  EXPECT_EQ(openmetrics_label_value("\xED\xA0\x80"), r + r + r);  // a surrogate
  EXPECT_EQ(openmetrics_label_value("\xC0\xAF"), r + r);          // overlong '/'
  EXPECT_EQ(openmetrics_label_value("x\xC3"), "x" + r);           // cut off
  EXPECT_EQ(openmetrics_label_value("\\\xFF\""), "\\\\" + r + "\\\"");
}

// host (100) -> container (200) -> nested (300); host -> inferred (init 4242) -> 4300's.
NamespaceGraph forest() {
  FakeSource src;
  src.process(1, "init", ns(100), {1}, 0, 0, 1)
      .process(2, "kthreadd", ns(100), {2}, 0, 0, 1)
      .process(3, "kworker/0:1", ns(100), {3}, 2, 0, 1)
      .process(50, "ev\"il\\\nname\xFF", ns(200), {50, 1}, 1, 0, 4)
      .process(51, "sh", ns(200), {51, 2}, 50, 0, 1)
      .process(60, "deep", ns(300), {60, 9, 1}, 51, 0, 2)
      .process(4242, "sandbox", NsId::inferred(4242), {4242, 1}, 1, 1000, 1)
      .process(4300, "inner", ns(500), {4300, 7, 1}, 4242, 1000, 1)
      .parent(ns(200), ns(100))
      .parent(ns(300), ns(200))
      .parent(NsId::inferred(4242), ns(100))
      .parent(ns(500), NsId::inferred(4242))
      .self(ns(100))
      .inaccessible(77);
  for (pid_t kthread : {2, 3}) src.raw().processes[kthread - 1].status.kernel_thread = true;
  ContainerLabel label{.engine = "docker", .id = std::string(64, 'a')};
  label.names.name = "web\n} 1\nfake_metric 666";
  label.names.compose_project = "shop";
  label.names.compose_service = "web\"x";
  src.raw().namespaces[ns(200)].container = label;
  src.raw().namespaces[ns(100)].owner = Owner{.userns = {4, 9}, .uid = 0};
  src.raw().namespaces[NsId::inferred(4242)].owner = Owner{.userns = {4, 10}, .uid = 1000};
  return NamespaceGraph::build(src.scan());
}

std::string metrics(const NamespaceGraph& g, RenderOptions options = {}) {
  options.version = "9.8.7";
  options.scan_seconds = 0.0125;
  options.user_names = {{0, "root"}};
  std::string out;
  render_openmetrics(g, whole_view(g, std::nullopt), options, out);
  return out;
}

TEST(RenderOpenMetrics, WritesEveryFamilyOnceWithItsSamplesTogether) {
  std::string doc = metrics(forest());
  ASSERT_TRUE(doc.ends_with("\n# EOF\n"));
  std::istringstream lines(doc);
  std::string line, family;
  std::vector<std::string> order;
  std::map<std::string, int> samples;
  while (std::getline(lines, line)) {
    if (line.starts_with("# HELP ")) {
      family = line.substr(7, line.find(' ', 7) - 7);
      ASSERT_EQ(std::count(order.begin(), order.end(), family), 0) << family << " twice";
      order.push_back(family);
      EXPECT_EQ(line.find_first_of("\\\""), std::string::npos) << "HELP must need no escape";
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      EXPECT_EQ(line, "# TYPE " + family + " gauge");
      continue;
    }
    if (line.starts_with("#")) continue;  // # UNIT, # EOF
    // Every sample belongs to the family whose header came last: one group per family.
    ASSERT_EQ(line.substr(0, line.find_first_of("{ ")), family) << line;
    ++samples[family];
  }
  EXPECT_EQ(order, (std::vector<std::string>{
                       "pidns_build_info", "pidns_namespaces", "pidns_namespaces_at_level",
                       "pidns_max_level", "pidns_processes", "pidns_processes_inaccessible",
                       "pidns_processes_inferred", "pidns_scan_duration_seconds",
                       "pidns_namespace_info", "pidns_namespace_processes",
                       "pidns_namespace_threads", "pidns_namespace_kernel_threads"}));
  for (const char* per_ns : {"pidns_namespace_info", "pidns_namespace_processes",
                             "pidns_namespace_threads", "pidns_namespace_kernel_threads"}) {
    EXPECT_EQ(samples[per_ns], 5) << per_ns;  // a hostile name broke no line
  }
  EXPECT_EQ(samples["pidns_namespaces_at_level"], 3);
}

TEST(RenderOpenMetrics, GivesTheCountsAndTotals) {
  std::string doc = metrics(forest());
  for (const char* want : {
           "pidns_build_info{version=\"9.8.7\"} 1\n",
           "pidns_namespaces 5\n",
           "pidns_namespaces_at_level{level=\"0\"} 1\n",
           "pidns_namespaces_at_level{level=\"1\"} 2\n",
           "pidns_namespaces_at_level{level=\"2\"} 2\n",
           "pidns_max_level 2\n",
           "pidns_processes 8\n",
           "pidns_processes_inaccessible 1\n",
           "pidns_processes_inferred 0\n",
           "# UNIT pidns_scan_duration_seconds seconds\npidns_scan_duration_seconds 0.012500\n",
           "pidns_namespace_processes{pidns=\"100\"} 3\n",
           "pidns_namespace_threads{pidns=\"200\"} 5\n",
           "pidns_namespace_kernel_threads{pidns=\"100\"} 2\n",
           "pidns_namespace_kernel_threads{pidns=\"200\"} 0\n",
           "pidns_namespace_processes{pidns=\"?4242\"} 1\n",
       }) {
    EXPECT_NE(doc.find(want), std::string::npos) << want << " not in\n" << doc;
  }
}

TEST(RenderOpenMetrics, LabelsEachNamespaceEscapedWithItsContainerAndOwner) {
  std::string doc = metrics(forest());
  const std::string r = "\xEF\xBF\xBD";
  for (const std::string& want : std::vector<std::string>{
           "pidns_namespace_info{pidns=\"100\",parent=\"\",level=\"0\",init_pid=\"1\","
           "init_name=\"init\",container_engine=\"\",container_id=\"\",container_name=\"\","
           "pod=\"\",pod_namespace=\"\",compose_project=\"\",compose_service=\"\","
           "owner_uid=\"0\",owner_user=\"root\"} 1\n",
           "pidns_namespace_info{pidns=\"200\",parent=\"100\",level=\"1\",init_pid=\"50\","
           "init_name=\"ev\\\"il\\\\\\nname" +
               r + "\",container_engine=\"docker\",container_id=\"" + std::string(64, 'a') +
               "\",container_name=\"web\\n} 1\\nfake_metric 666\",pod=\"\",pod_namespace=\"\","
               "compose_project=\"shop\",compose_service=\"web\\\"x\",owner_uid=\"\","
               "owner_user=\"\"} 1\n",
           // Inferred: named by its init, marked, and named so as its child's parent. UID 1000
           // has no name here.
           "pidns_namespace_info{pidns=\"?4242\",parent=\"100\",level=\"1\",init_pid=\"4242\","
           "init_name=\"sandbox\",container_engine=\"\",container_id=\"\",container_name=\"\","
           "pod=\"\",pod_namespace=\"\",compose_project=\"\",compose_service=\"\","
           "owner_uid=\"1000\",owner_user=\"\",inferred=\"true\"} 1\n",
           "pidns_namespace_info{pidns=\"500\",parent=\"?4242\",level=\"2\",init_pid=\"4300\","}) {
    EXPECT_NE(doc.find(want), std::string::npos) << want << " not in\n" << doc;
  }
  EXPECT_EQ(doc.find("\nfake_metric"), std::string::npos);
}

TEST(RenderOpenMetrics, NoLabelsLeavesContainerLabelsEmptyAndNoPidsChangesNothing) {
  NamespaceGraph g = forest();
  RenderOptions no_labels;
  no_labels.labels = false;
  std::string doc = metrics(g, no_labels);
  EXPECT_EQ(doc.find("docker"), std::string::npos);
  EXPECT_EQ(doc.find("fake_metric"), std::string::npos);
  RenderOptions no_pids, ptree;
  no_pids.walk.processes = false;
  ptree.walk.ptree = true;
  EXPECT_EQ(metrics(g, no_pids), metrics(g));
  EXPECT_EQ(metrics(g, ptree), metrics(g));
}

TEST(RenderOpenMetrics, FollowsTheViewButCountsTheWholeScan) {
  NamespaceGraph g = forest();
  std::string out;
  RenderOptions options;
  render_openmetrics(g, ns_view(g, {ns(200)}, std::nullopt), options, out);
  EXPECT_NE(out.find("pidns_namespace_processes{pidns=\"200\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("pidns_namespace_processes{pidns=\"300\"} 1\n"), std::string::npos);
  EXPECT_EQ(out.find("pidns_namespace_processes{pidns=\"100\"}"), std::string::npos);
  EXPECT_NE(out.find("pidns_namespaces 5\n"), std::string::npos);
}

TEST(RenderOpenMetrics, SpillsInPiecesThatAddUpToTheWholeDocument) {
  FakeSource src;  // enough namespaces for several 64 KiB pieces
  src.process(1, "init", ns(1));
  for (pid_t i = 2; i < 3000; ++i) {
    src.process(i, "p", ns(static_cast<std::uint64_t>(i)), {i, 1}).parent(ns(i), ns(1));
  }
  NamespaceGraph g = NamespaceGraph::build(src.scan());
  std::string whole = metrics(g);
  std::string spilled, rest;
  RenderOptions options;
  int calls = 0;
  options.spill = [&](std::string& rendered) {
    ++calls;
    spilled += rendered.substr(0, rendered.size() / 2);
    rendered.erase(0, rendered.size() / 2);
  };
  rest = metrics(g, options);
  EXPECT_EQ(calls, 4 * 2999);  // after each sample of the 2,999 namespaces, in 4 families
  EXPECT_EQ(spilled + rest, whole);
}

// --- the command line and the driver ---

struct Parsed {
  std::variant<Options, int> result;
  std::string err;
};

Parsed parse(std::vector<const char*> args) {
  args.insert(args.begin(), "pidns-tree");
  std::ostringstream out, err;
  auto result = parse_args(static_cast<int>(args.size()), args.data(), out, err);
  return {std::move(result), err.str()};
}

TEST(OpenMetricsArgs, FormatAndOutputAreParsed) {
  Options o = std::get<Options>(parse({"--format", "openmetrics", "-o", "/x/m.prom", "-N"}).result);
  EXPECT_EQ(o.format, Format::OpenMetrics);
  EXPECT_EQ(o.output, "/x/m.prom");
  EXPECT_EQ(std::get<Options>(parse({"--json", "--output=/y"}).result).output, "/y");
}

TEST(OpenMetricsArgs, WhatWouldDoNothingIsAUsageError) {
  for (auto args : std::vector<std::vector<const char*>>{
           {"--watch", "--output", "/tmp/x"},
           {"--watch", "--format", "openmetrics"},
           {"--format", "openmetrics", "--ptree"},
           {"--format", "openmetrics", "--kernel-threads"},
           {"--format", "openmetrics", "--translate", "1", "--to", "2"},
           {"--json", "--format", "openmetrics"},
           {"--output", ""}}) {
    Parsed p = parse(args);
    ASSERT_TRUE(std::holds_alternative<int>(p.result)) << args[0] << " " << args[1];
    EXPECT_EQ(std::get<int>(p.result), kUsage);
    EXPECT_EQ(std::count(p.err.begin(), p.err.end(), '\n'), 1) << p.err;
  }
  EXPECT_EQ(parse({"--watch", "--output", "/tmp/x"}).err,
            "pidns-tree: --watch excludes --output (see pidns-tree --help)\n");
}

TEST(OpenMetricsRun, ReadsStatusAndOwnersEvenWithNoPids) {
  FakeSource src;
  src.process(1, "init", ns(100));
  Options options;
  options.format = Format::OpenMetrics;
  options.processes = false;
  std::ostringstream out, err;
  EXPECT_EQ(execute(options, src, out, err, {}), kOk);
  EXPECT_TRUE(src.last_request.statuses);  // init names and kernel threads are in status
  EXPECT_TRUE(src.last_request.owners);
  EXPECT_TRUE(src.last_request.cgroups);
  EXPECT_FALSE(src.last_request.ids);
  EXPECT_NE(out.str().find("init_name=\"init\""), std::string::npos);
  EXPECT_NE(out.str().find("pidns_scan_duration_seconds 0."), std::string::npos);
  EXPECT_TRUE(out.str().ends_with("# EOF\n"));
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t entries(const TempRoot& root) {
  auto it = std::filesystem::directory_iterator(root.path());
  return static_cast<std::size_t>(std::distance(it, std::filesystem::directory_iterator{}));
}

TEST(OutputFile, ReplacesTheFileOnlyWhenCommitted) {
  TempRoot root;
  root.write("m.prom", "old\n");
  {
    OutputFile file(root.at("m.prom").string());
    file.stream() << "new\n";
    file.stream().flush();
    EXPECT_EQ(read_file(root.at("m.prom")), "old\n");
    EXPECT_EQ(entries(root), 2u);  // the temporary beside it
  }
  EXPECT_EQ(read_file(root.at("m.prom")), "old\n");  // not committed: unchanged
  EXPECT_EQ(entries(root), 1u);                      // and the temporary is gone
  {
    OutputFile file(root.at("m.prom").string());
    file.stream() << std::string(200000, 'x');  // more than one buffer
    file.commit();
  }
  EXPECT_EQ(read_file(root.at("m.prom")), std::string(200000, 'x'));
  EXPECT_EQ(entries(root), 1u);
}

TEST(OutputFile, NamesTheFileItCannotCreateOrReplace) {
  TempRoot root;
  try {
    OutputFile file(root.at("missing/m.prom").string());
    FAIL() << "created a file in a directory that does not exist";
  } catch (const SysError& e) {
    EXPECT_EQ(std::string(e.what()).find("open " + root.at("missing/m.prom").string() + ".tmp."),
              0u)
        << e.what();
  }
  // Only a regular file is replaced: never a directory, a FIFO, a symbolic link (to a device,
  // say), which would all be gone after the rename.
  std::filesystem::create_directories(root.at("dir/inside"));
  ASSERT_EQ(::mkfifo(root.at("fifo").c_str(), 0600), 0);
  std::filesystem::create_symlink("/dev/null", root.at("null"));
  for (const char* name : {"dir", "fifo", "null"}) {
    EXPECT_THROW(OutputFile(root.at(name).string()), std::runtime_error) << name;
  }
  EXPECT_EQ(entries(root), 3u);  // no temporary made
  EXPECT_TRUE(std::filesystem::is_symlink(root.at("null")));
  // A rename that fails (here: the directory went away meanwhile) is said, naming both paths.
  std::filesystem::create_directories(root.at("gone"));
  OutputFile file(root.at("gone/m.prom").string());
  std::filesystem::rename(root.at("gone"), root.at("moved"));
  file.stream() << "x";
  EXPECT_THROW(file.commit(), SysError);
}

TEST(OutputFile, AFailedRunLeavesTheOldFileAndNoTemporary) {
  TempRoot root;
  root.write("m.prom", "old\n");
  FakeSource src;
  src.process(1, "init", ns(100));
  Options options;
  options.format = Format::OpenMetrics;
  options.output = root.at("m.prom").string();
  options.namespaces = {NsName("4026599999")};  // no such namespace: fails after the scan
  std::ostringstream out, err;
  EXPECT_EQ(execute(options, src, out, err, {}), kFailure);
  EXPECT_EQ(read_file(root.at("m.prom")), "old\n");
  EXPECT_EQ(entries(root), 1u);
  EXPECT_EQ(out.str(), "");

  options.namespaces.clear();
  err.str("");
  EXPECT_EQ(execute(options, src, out, err, {}), kOk);
  EXPECT_EQ(out.str(), "");  // all of it went to the file
  EXPECT_EQ(err.str(), "");
  EXPECT_TRUE(read_file(root.at("m.prom")).ends_with("# EOF\n"));
  EXPECT_EQ(entries(root), 1u);

  options.output = root.at("none/m.prom").string();
  EXPECT_EQ(execute(options, src, out, err, {}), kFailure);
  std::string line = err.str();
  EXPECT_EQ(line.rfind("pidns-tree: --output " + *options.output + ": open ", 0), 0u) << line;
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

}  // namespace
}  // namespace pidns
