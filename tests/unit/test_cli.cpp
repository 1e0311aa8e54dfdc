// Tests for the command line and the run as a whole, with the kernel faked.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "app/cli.hpp"
#include "app/run.hpp"
#include "fake_source.hpp"

namespace pidns {
namespace {

using testing::FakeSource;
using testing::ns;

struct Parsed {
  std::variant<Options, int> result;
  std::string out, err;
};

Parsed parse(std::vector<const char*> args) {
  args.insert(args.begin(), "pidns-tree");
  std::ostringstream out, err;
  auto result = parse_args(static_cast<int>(args.size()), args.data(), out, err);
  return {std::move(result), out.str(), err.str()};
}

TEST(ParseArgs, DefaultsToTextOfProc) {
  Parsed p = parse({});
  const Options& o = std::get<Options>(p.result);
  EXPECT_EQ(o.proc_root, "/proc");
  EXPECT_EQ(o.format, Format::Text);
  EXPECT_EQ(o.color, ColorMode::Auto);
  EXPECT_TRUE(o.processes);
}

TEST(ParseArgs, ReadsEveryOption) {
  Parsed p = parse({"--proc", "/host/proc", "-J", "-N", "--ascii", "--color=always"});
  const Options& o = std::get<Options>(p.result);
  EXPECT_EQ(o.proc_root, "/host/proc");
  EXPECT_EQ(o.format, Format::Json);
  EXPECT_FALSE(o.processes);
  EXPECT_TRUE(o.ascii);
  EXPECT_EQ(o.color, ColorMode::Always);
  EXPECT_EQ(std::get<Options>(parse({"--format", "json"}).result).format, Format::Json);
  EXPECT_EQ(std::get<Options>(parse({"--color", "never"}).result).color, ColorMode::Never);
}

TEST(ParseArgs, HostRootMustBeADirectory) {
  EXPECT_EQ(std::get<Options>(parse({"--host-root", "/"}).result).host_root, "/");
  EXPECT_EQ(std::get<Options>(parse({}).result).host_root, std::nullopt);
  for (const char* bad : {"/nonexistent/pidns-test", "/proc/self/status"}) {
    Parsed p = parse({"--host-root", bad});
    ASSERT_TRUE(std::holds_alternative<int>(p.result)) << bad;
    EXPECT_EQ(std::get<int>(p.result), kUsage) << bad;
    EXPECT_NE(p.err.find("--host-root"), std::string::npos) << p.err;
  }
}

TEST(ParseArgs, HelpAndVersionExitZero) {
  Parsed help = parse({"--help"});
  EXPECT_EQ(std::get<int>(help.result), kOk);
  EXPECT_NE(help.out.find("--no-pids"), std::string::npos);
  EXPECT_NE(help.out.find("Exit status"), std::string::npos);
  Parsed version = parse({"--version"});
  EXPECT_EQ(std::get<int>(version.result), kOk);
  EXPECT_EQ(version.out.rfind("pidns-tree ", 0), 0u) << version.out;
}

TEST(ParseArgs, UsageErrorsGiveOneLineAndStatusTwo) {
  for (auto args : std::vector<std::vector<const char*>>{{"--color=1"},
                                                         {"--color", "sometimes"},
                                                         {"--bogus"},
                                                         {"--proc"},
                                                         {"extra"},
                                                         {"--format", "xml"}}) {
    Parsed p = parse(args);
    ASSERT_TRUE(std::holds_alternative<int>(p.result)) << args[0];
    EXPECT_EQ(std::get<int>(p.result), kUsage) << args[0];
    EXPECT_EQ(p.err.rfind("pidns-tree: ", 0), 0u) << p.err;
    EXPECT_EQ(std::count(p.err.begin(), p.err.end(), '\n'), 1) << p.err;
  }
}

TermEnv env_of(bool root, bool tty = false) {
  TermEnv env;
  env.root = root;
  env.stdout_is_tty = tty;
  env.term = "xterm";
  return env;
}

struct RunResult {
  int status;
  std::string out, err;
};

RunResult run(NsSource& source, Options options = {}, TermEnv env = {}) {
  std::ostringstream out, err;
  int status = execute(options, source, out, err, env);
  return {status, out.str(), err.str()};
}

TEST(Execute, PrintsTheTreeAndSummarisesWhatItCouldNotRead) {
  FakeSource src;
  src.process(2, "kthreadd", ns(100)).inaccessible(1).inaccessible(7).vanished(4);
  RunResult r = run(src, {}, env_of(true));
  EXPECT_EQ(r.status, kOk);
  // ASCII glyphs: this TermEnv is not UTF-8.
  EXPECT_EQ(r.out, "pid:[100] level 0, 1 process, 1 thread\n`-- 2 kthreadd  nstgid=2\n");
  EXPECT_EQ(r.err, "pidns-tree: 2 processes not shown: permission denied (PIDs 1, 7)\n");
}

TEST(Execute, SuggestsRootOnlyToOthers) {
  FakeSource src;
  src.process(2, "x", ns(100)).inaccessible(1).malformed(9);
  RunResult r = run(src, {}, env_of(false));
  EXPECT_EQ(r.err,
            "pidns-tree: 2 processes not shown: permission denied (PID 1); run as root to see "
            "more; unparsable status (PID 9)\n");
}

TEST(Execute, SaysNothingOnStderrWhenAllWasRead) {
  FakeSource src;
  src.process(2, "x", ns(100)).vanished(3);  // vanished processes are normal, not news
  EXPECT_EQ(run(src).err, "");
}

TEST(Execute, NamesAreReadBelowTheHostRootWhereLabelsAreShown) {
  FakeSource src;
  src.process(2, "x", ns(100));
  Options options;
  (void)run(src, options);
  EXPECT_EQ(src.last_request.host_root, "/");
  EXPECT_FALSE(src.last_request.host_root_default);
  options.host_root = "/host";
  options.proc_root = "/host/proc";
  (void)run(src, options);
  EXPECT_EQ(src.last_request.host_root, "/host");
  EXPECT_FALSE(src.last_request.host_root_default);
  // Another procfs without --host-root: "/" only if the scan finds the procfs is our own.
  options.host_root.reset();
  (void)run(src, options);
  EXPECT_EQ(src.last_request.host_root, "/");
  EXPECT_TRUE(src.last_request.host_root_default);
  // No labels in the text, no names to look for.
  options.labels = false;
  (void)run(src, options);
  EXPECT_FALSE(src.last_request.cgroups);
  EXPECT_EQ(src.last_request.host_root, "");
}

TEST(Execute, SaysOnceWhyNamesWereSkipped) {
  FakeSource src;
  src.process(2, "x", ns(100));
  src.raw().names_skipped = true;
  src.raw().proc_root = "/host/proc";  // the scan says which procfs it read
  Options options;
  options.proc_root = "/host/proc";
  RunResult r = run(src, options);
  EXPECT_EQ(r.status, kOk);
  EXPECT_EQ(r.err,
            "pidns-tree: no container names: /host/proc is not the procfs of pidns-tree's own PID "
            "namespace, so / need not be that host's root; pass the host's root directory with "
            "--host-root (e.g. --host-root /host)\n");
}

class FailingSource final : public NsSource {
 public:
  [[nodiscard]] Scan scan(const ScanRequest&) override {
    throw std::runtime_error("/tmp is not a procfs mount");
  }
};

TEST(Execute, AFailedScanGivesOneLineStatusOneAndNoOutput) {
  FailingSource src;
  Options options;
  options.format = Format::Json;
  RunResult r = run(src, options);
  EXPECT_EQ(r.status, kFailure);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "pidns-tree: /tmp is not a procfs mount\n");
}

TEST(Execute, JsonIsOneValidDocument) {
  FakeSource src;
  src.process(2, "x", ns(100)).process(3, "y", ns(200), {3, 1}).parent(ns(200), ns(100));
  Options options;
  options.format = Format::Json;
  RunResult r = run(src, options, env_of(true, true));
  EXPECT_EQ(r.status, kOk);
  nlohmann::json doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["pidns"][0]["children"][0]["init"], 3);
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);  // never color in JSON
}

TEST(Execute, TranslatesThroughTheNStgidOfAnAncestor) {
  FakeSource src;
  src.process(1, "init", ns(100), {1}).process(50, "sh", ns(200), {50, 1}, 1);
  src.process(60, "app", ns(300), {60, 7, 1}, 50).process(70, "other", ns(400), {70, 1}, 1);
  src.parent(ns(200), ns(100)).parent(ns(300), ns(200)).parent(ns(400), ns(100));
  Options options;
  options.translate = 60;
  options.to = "pid:[200]";
  EXPECT_EQ(run(src, options).out, "7\n");
  options.to = "50";  // the namespace of PID 50
  EXPECT_EQ(run(src, options).out, "7\n");
  options.to = "pid:[300]";
  EXPECT_EQ(run(src, options).out, "1\n");
  options.to = "300";  // small enough to be a PID, so it is one, whatever inodes exist
  EXPECT_EQ(run(src, options).err, "pidns-tree: no process with PID 300 in /proc\n");
  options.to = "70";
  RunResult r = run(src, options);
  EXPECT_EQ(r.status, kFailure);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "pidns-tree: PID 60 is not visible in pid:[400]: it lives in pid:[300], which "
            "is not pid:[400] or below it\n");
}

TEST(Execute, NamesAMissingTranslatedPidBeforeLookingAtTo) {
  FakeSource src;
  src.process(1, "init", ns(100), {1});
  Options options;
  options.translate = 32000;
  options.to = "9";
  EXPECT_EQ(run(src, options).err, "pidns-tree: no process with PID 32000 in /proc\n");
}

TEST(Execute, ReportsAWriteError) {
  FakeSource src;
  src.process(2, "x", ns(100));
  std::ostringstream out, err;
  out.setstate(std::ios::badbit);
  EXPECT_EQ(execute({}, src, out, err, {}), kFailure);
  EXPECT_EQ(err.str(), "pidns-tree: error writing to standard output\n");
}

TEST(ParseArgs, WatchTakesAnIntervalInSecondsWithFractions) {
  Parsed p = parse({"--watch", "--json", "--ns", "4026532200"});
  const Options& o = std::get<Options>(p.result);
  EXPECT_TRUE(o.watch);
  EXPECT_EQ(o.interval, 1.0);
  EXPECT_EQ(o.format, Format::Json);
  EXPECT_EQ(std::get<Options>(parse({"--watch", "--interval", "0.25"}).result).interval, 0.25);
  EXPECT_EQ(std::get<Options>(parse({"--watch", "--interval", "1e-2"}).result).interval, 0.01);
  EXPECT_EQ(std::get<Options>(parse({"--watch", "--interval", "86400"}).result).interval, 86400);
  EXPECT_TRUE(std::get<Options>(parse({"--watch", "--no-labels"}).result).watch);
}

TEST(ParseArgs, WatchExcludesWhatOnlyASnapshotCanShow) {
  for (auto args : std::vector<std::vector<const char*>>{{"--watch", "--format", "dot"},
                                                         {"--watch", "--pid", "1"},
                                                         {"--watch", "--all"},
                                                         {"--watch", "--max-depth", "2"},
                                                         {"--watch", "--ptree"},
                                                         {"--watch", "--owner"},
                                                         {"--watch", "-k"},
                                                         {"--watch", "-t", "1", "--to", "2"},
                                                         {"--interval", "2"},
                                                         {"--watch", "--interval", "0"},
                                                         {"--watch", "--interval", "-1"},
                                                         {"--watch", "--interval", "soon"},
                                                         {"--watch", "--interval", "nan"},
                                                         {"--watch", "--interval", "-nan"},
                                                         {"--watch", "--interval", "inf"},
                                                         {"--watch", "--interval", "-inf"},
                                                         {"--watch", "--interval", "1e999"},
                                                         {"--watch", "--interval", "86401"},
                                                         {"--watch", "--interval", "0x10"}}) {
    Parsed p = parse(args);
    ASSERT_TRUE(std::holds_alternative<int>(p.result)) << args[1];
    EXPECT_EQ(std::get<int>(p.result), kUsage) << args[1];
    EXPECT_EQ(p.err.rfind("pidns-tree: ", 0), 0u) << p.err;
    EXPECT_EQ(std::count(p.err.begin(), p.err.end(), '\n'), 1) << p.err;
  }
}

}  // namespace
}  // namespace pidns
