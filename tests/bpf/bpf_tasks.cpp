// bpf-tasks: runs the BPF task iterator once and prints what it decoded as JSON, for
// test_bpf_tasks.py to hold against procfs. With --hold, stays alive until stdin reaches EOF,
// so that its own record still has a /proc entry while the test compares.
//
//   bpf-tasks [--hold]
//
// Exit status: 0 after printing; 77 with the one-line reason on stderr where the iterator cannot
// be used here (pidns::open_task_iterator()); 1 on any other failure.
#include "scan/bpf_tasks.hpp"

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace {

using Json = nlohmann::ordered_json;

Json to_json(const pidns::TaskRecord& t) {
  Json levels = Json::array();
  for (const pidns::TaskLevel& l : t.levels) {
    levels.push_back({{"pid", l.pid}, {"ns", l.ns_ino}, {"parent_ns", l.parent_ino}});
  }
  Json comm = Json::array();  // bytes: a comm need not be UTF-8
  for (unsigned char c : t.comm) comm.push_back(c);
  return {{"tgid", t.tgid},
          {"parent_tgid", t.parent_tgid},
          {"uid", t.uid},
          {"threads", t.threads},
          {"kernel_thread", t.kernel_thread},
          {"workqueue_worker", t.workqueue_worker},
          {"zombie", t.zombie},
          {"dead", t.dead},
          {"comm", comm},
          {"levels", levels}};
}

}  // namespace

int main(int argc, char** argv) try {
  bool hold = argc == 2 && std::string_view(argv[1]) == "--hold";
  if (argc > 2 || (argc == 2 && !hold)) {
    std::fprintf(stderr, "usage: bpf-tasks [--hold]\n");
    return 2;
  }
  auto opened = pidns::open_task_iterator();
  if (const std::string* why = std::get_if<std::string>(&opened)) {
    std::fprintf(stderr, "bpf-tasks: %s\n", why->c_str());
    return 77;
  }
  pidns::DecodedTasks decoded = std::get<pidns::BpfTaskIterator>(opened).read();
  Json doc = {{"self", ::getpid()},
              {"rejected", decoded.rejected},
              {"truncated", decoded.truncated},
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
