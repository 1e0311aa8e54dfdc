// bpf-tasks: runs the BPF task iterator once and prints what it decoded as JSON, for
// test_bpf_tasks.py to hold against procfs. With --hold, stays alive until stdin reaches EOF,
// so that its own record still has a /proc entry while the test compares. With --time N, prints
// instead how long loading took and N reads (each with its decoding) took.
//
//   bpf-tasks [--hold | --time N]
//
// Exit status: 0 after printing; 77 with the one-line reason on stderr where the iterator cannot
// be used here (pidns::open_task_iterator()); 1 on any other failure.
#include "scan/bpf_tasks.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Json = nlohmann::ordered_json;

Json to_json(const pidns::TaskRecord& t) {
  Json levels = Json::array();
  for (const pidns::TaskLevel& l : t.levels()) levels.push_back({{"pid", l.pid}, {"ns", l.ns_ino}});
  Json comm = Json::array();  // bytes: a comm need not be UTF-8
  for (unsigned char c : t.comm) comm.push_back(c);
  return {{"tgid", t.tgid},
          {"parent_tgid", t.parent_tgid},
          {"uid", t.uid},
          {"threads", t.threads},
          {"kernel_thread", t.kernel_thread},
          {"exiting", t.exiting},
          {"zombie", t.zombie},
          {"dead", t.dead},
          {"comm", comm},
          {"own_ns_id", t.own_ns_id},
          {"own_userns", t.own_userns},
          {"own_userns_uid", t.own_userns_uid},
          {"css_set", t.css_set},
          {"levels", levels}};
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void time_reads(pidns::BpfTaskIterator& iter, int runs, double load_ms) {
  std::vector<double> times;
  std::size_t records = 0;
  for (int i = 0; i < runs; ++i) {
    Clock::time_point start = Clock::now();
    records = iter.read_all().tasks.size();
    times.push_back(ms_since(start));
  }
  std::sort(times.begin(), times.end());
  std::printf(
      "load+attach %.2f ms; read+decode of %zu records over %d runs: min %.2f ms, "
      "median %.2f ms, max %.2f ms\n",
      load_ms, records, runs, times.front(), times[times.size() / 2], times.back());
}

}  // namespace

int main(int argc, char** argv) try {
  std::string_view opt = argc >= 2 ? argv[1] : "";
  bool hold = argc == 2 && opt == "--hold";
  int runs = argc == 3 && opt == "--time" ? std::atoi(argv[2]) : 0;
  if (argc > 3 || (argc == 2 && !hold) || (argc == 3 && runs <= 0)) {
    std::fprintf(stderr, "usage: bpf-tasks [--hold | --time N]\n");
    return 2;
  }
  Clock::time_point start = Clock::now();
  auto opened = pidns::open_task_iterator();
  if (const std::string* why = std::get_if<std::string>(&opened)) {
    std::fprintf(stderr, "bpf-tasks: %s\n", why->c_str());
    return 77;
  }
  auto& iter = std::get<pidns::BpfTaskIterator>(opened);
  if (runs > 0) {
    time_reads(iter, runs, ms_since(start));
    return 0;
  }
  pidns::DecodedTasks decoded = iter.read_all();
  Json doc = {{"self", ::getpid()},
              {"rejected", decoded.rejected},
              {"incomplete", decoded.incomplete},
              {"unframed", decoded.unframed},
              {"records", Json::array()}};
  for (const pidns::TaskRecord& t : decoded.tasks) doc["records"].push_back(to_json(t));
  std::cout << doc.dump() << std::endl;  // flushed: the test reads it before stdin's EOF
  if (hold) {
    char c;
    while (::read(STDIN_FILENO, &c, 1) > 0) {
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bpf-tasks: %s\n", e.what());
  return 1;
}
