// fake_source: a hand-written Scan for unit tests, the kernel faked through the one seam.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "model/graph.hpp"
#include "model/scan.hpp"

namespace pidns::testing {

inline NsId ns(std::uint64_t ino) { return NsId{4, ino}; }

/// Builds a Scan fluently: processes with their namespaces, and NS_GET_PARENT's answers.
class FakeSource final : public NsSource {
 public:
  FakeSource() { scan_.proc_root = "/proc"; }

  /// A process with NStgid `nstgid` (outermost first) in namespace `in`.
  FakeSource& process(pid_t pid, std::string name, NsId in, LevelPids nstgid = {}, pid_t ppid = 0,
                      uid_t uid = 0, unsigned threads = 1) {
    if (nstgid.empty()) nstgid = {pid};
    Process p;
    p.pid = pid;
    p.ns = in;
    p.status.name = std::move(name);
    p.status.ppid = ppid;
    p.status.uid = uid;
    p.status.nstgid = std::move(nstgid);
    p.status.threads = threads;
    scan_.processes.push_back(std::move(p));
    scan_.namespaces.try_emplace(in);
    return *this;
  }
  /// NS_GET_PARENT(child) = parent.
  FakeSource& parent(NsId child, NsId parent) {
    scan_.namespaces[child].parent = parent;
    scan_.namespaces.try_emplace(parent);
    return *this;
  }
  FakeSource& inaccessible(pid_t pid) {
    scan_.inaccessible.push_back(pid);
    return *this;
  }
  FakeSource& malformed(pid_t pid) {
    scan_.malformed.push_back(pid);
    return *this;
  }
  FakeSource& vanished(std::size_t n) {
    scan_.vanished += n;
    return *this;
  }
  FakeSource& self(NsId id) {
    scan_.self = id;
    return *this;
  }
  /// Direct access for what the fluent calls do not cover (pins, owners, cgroups, ...).
  Scan& raw() { return scan_; }

  [[nodiscard]] Scan scan(const ScanRequest& request) override {
    last_request = request;
    return scan_;
  }
  [[nodiscard]] Scan scan() { return scan_; }

  ScanRequest last_request;  ///< what the code under test asked for

 private:
  Scan scan_;
};

/// The processes of `graph` with these PIDs, which must all be there: for pid_view().
inline std::vector<const Process*> procs(const NamespaceGraph& graph,
                                         std::initializer_list<pid_t> pids) {
  std::vector<const Process*> out;
  for (pid_t pid : pids) {
    const Process* p = graph.process(pid);
    if (p == nullptr) throw std::logic_error("no process " + std::to_string(pid) + " in the graph");
    out.push_back(p);
  }
  return out;
}

}  // namespace pidns::testing
