// label_reader: what labels namespaces with their containers: the cgroups of their inits (and of
// processes the graph's inference may compare), and the names the engines' state files give.
#include "scan/label_reader.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/placement.hpp"
#include "names/name_finder.hpp"
#include "scan/parts.hpp"

namespace pidns {

// The namespaces to label, each with the process whose cgroup names its container: its init if
// visible, else its first member. Those whose representatives share a cgroup key (the same
// cgroup in every hierarchy) follow one another, so that the text is read once for them all.
std::vector<LabelReader::Wanted> LabelReader::representatives() {
  std::unordered_map<NsId, const Process*, NsIdHash> chosen;
  for (const Process& p : scan_.processes) {
    auto [it, inserted] = chosen.try_emplace(p.ns, &p);
    if (p.status.nstgid.back() == 1) it->second = &p;
  }
  std::vector<Wanted> wanted;
  wanted.reserve(chosen.size());
  for (const auto& [ns, p] : chosen) {
    wanted.push_back({&scan_.namespaces[ns], p->pid, p->cgroup_key});
  }
  std::stable_sort(wanted.begin(), wanted.end(),
                   [](const Wanted& a, const Wanted& b) { return a.key < b.key; });
  return wanted;
}

// One read of /proc/PID/cgroup per namespace, or per cgroup key where the source gave one. On
// --jobs threads: the reads are most of a fast scan's system time on a host of many namespaces,
// and each goes to namespaces of its own (their NsInfo, found before, on this thread).
void LabelReader::read_cgroups() {
  std::vector<Wanted> wanted = representatives();
  constexpr std::size_t kMinPart = 128;  // namespaces: reading fewer costs less than a thread
  std::size_t n = part_count(wanted.size(), request_.jobs, kMinPart);
  run_parts(n, [&](std::size_t k) {
    ReadBuffer buf;
    const Wanted* read = nullptr;  // the one whose text was read for the key of the next
    for (std::size_t i = part_begin(k, n, wanted.size()); i < part_begin(k + 1, n, wanted.size());
         ++i) {
      Wanted& w = wanted[i];
      if (read != nullptr && w.key != 0 && w.key == read->key) {
        w.info->container = read->info->container;
        continue;
      }
      try {
        w.info->container = recognise_cgroup(
            read_proc_file(root_, PidPath(w.pid, "/cgroup"), buf, ProcText::kWhole));
        read = &w;
      } catch (const SysError& e) {
        if (!gone_or_denied(e)) throw;
        read = nullptr;  // gone: another member of the key may still be read
      }
    }
  });
}

// The cgroups that the graph's inference compares (model/inference.hpp), all readable by everyone:
// those of unplaced processes that begin a namespace (a PID 1) or may have joined one (one level
// below their parent), and of a few read members of each namespace below the procfs's own whose
// init was not read, which such a PID 1 may turn out to be.
void LabelReader::read_inference_cgroups() {
  if (scan_.unplaced.empty()) return;
  ReadBuffer buf;
  for (const Process& p : scan_.unplaced) {
    const Process* parent = find_by_pid(scan_.processes, p.status.ppid);
    if (parent == nullptr) parent = find_by_pid(scan_.unplaced, p.status.ppid);
    bool may_begin_or_join =
        p.status.nstgid.back() == 1 ||
        parent_link(p.status, parent ? &parent->status : nullptr) == ParentLink::kChildNamespace;
    if (!may_begin_or_join) continue;
    std::optional<std::string_view> cgroup = read_cgroup(p.pid, buf);
    if (!cgroup || p.status.nstgid.back() != 1) continue;
    if (std::optional<ContainerLabel> label = recognise_cgroup(*cgroup)) {
      scan_.unplaced_labels.emplace(p.pid, std::move(*label));
    }
  }
  read_member_cgroups(buf);
}

// Read members of namespaces whose init was not read: their cgroups tell which PID 1 is theirs
// (a `docker exec -u` shares its container's). A few per namespace are enough for that.
void LabelReader::read_member_cgroups(ReadBuffer& buf) {
  constexpr std::size_t kMembersCompared = 4;
  std::unordered_map<NsId, std::size_t, NsIdHash> wanted;  // namespace: members still to read
  for (const Process& p : scan_.processes) {
    if (p.status.nstgid.size() >= 2) wanted.try_emplace(p.ns, kMembersCompared);
  }
  for (const Process& p : scan_.processes) {
    if (p.status.nstgid.size() >= 2 && p.status.nstgid.back() == 1) wanted.erase(p.ns);
  }
  for (const Process& p : scan_.processes) {
    auto it = wanted.find(p.ns);
    if (it == wanted.end() || it->second == 0) continue;
    --it->second;
    (void)read_cgroup(p.pid, buf);
  }
}

// /proc/PID/cgroup into Scan::inference_cgroups; nullopt for a process gone or hidden.
std::optional<std::string_view> LabelReader::read_cgroup(pid_t pid, ReadBuffer& buf) {
  try {
    std::string_view cgroup = read_proc_file(root_, PidPath(pid, "/cgroup"), buf, ProcText::kWhole);
    scan_.inference_cgroups.emplace(pid, cgroup);
    return cgroup;
  } catch (const SysError& e) {
    if (!gone_or_denied(e)) throw;
    return std::nullopt;
  }
}

// Names from the host's state files (name_finder.hpp), for each namespace labelled a container
// that may have one, inferred namespaces included (by their inits' cgroups). A host without
// such containers reads nothing more.
void LabelReader::read_names() {
  std::vector<ContainerLabel*> wanted;
  auto want = [&wanted](ContainerLabel& label) {
    if (may_have_names(label)) wanted.push_back(&label);
  };
  for (auto& [ns, info] : scan_.namespaces) {
    if (info.container) want(*info.container);
  }
  for (auto& [pid, label] : scan_.unplaced_labels) want(label);
  if (request_.host_root_default && scan_.procfs.relation != ProcfsView::Relation::Same) {
    scan_.names_skipped = !wanted.empty();
    return;
  }
  // The daemons' command lines cost a look at every process (a read of comm without status):
  // only where some container may be named, or the caller will name some later (--watch).
  if (wanted.empty() && !request_.engine_daemons) return;
  scan_.engine_daemons = engine_daemons();
  if (wanted.empty()) return;
  name_containers(wanted);
}

// A state file per container to parse is most of what names cost: on --jobs threads too, each
// with a finder (and its caches) of its own over the one host root.
void LabelReader::name_containers(const std::vector<ContainerLabel*>& wanted) {
  HostRoot host(request_.host_root);
  constexpr std::size_t kMinPart = 16;  // containers
  std::size_t n = part_count(wanted.size(), request_.jobs, kMinPart);
  run_parts(n, [&](std::size_t k) {
    NameFinder finder(host, scan_.engine_daemons);
    for (std::size_t i = part_begin(k, n, wanted.size()); i < part_begin(k + 1, n, wanted.size());
         ++i) {
      wanted[i]->names = finder.find(*wanted[i]);
    }
  });
}

// A process's name from /proc/PID/comm, where its status was not read (--no-pids).
std::string LabelReader::comm_of(pid_t pid, ReadBuffer& buf) {
  PidPath path(pid, "/comm");
  try {
    std::string_view comm = read_proc_file(root_, path, buf, ProcText::kWhole);
    return std::string(comm.substr(0, comm.find('\n')));
  } catch (const SysError&) {
    return {};
  }
}

// The command lines of running container engines (dockerd's --data-root), in PID order.
std::vector<EngineDaemon> LabelReader::engine_daemons() {
  std::vector<EngineDaemon> daemons;
  ReadBuffer buf;
  for (const Process& p : scan_.processes) {
    if (!is_engine_daemon(request_.statuses ? p.status.name : comm_of(p.pid, buf))) continue;
    PidPath path(p.pid, "/cmdline");
    try {
      daemons.push_back(
          {p.status.uid, std::string(read_proc_file(root_, path, buf, ProcText::kRecords))});
    } catch (const SysError& e) {
      if (!gone_or_denied(e)) throw;
    }
  }
  return daemons;
}

}  // namespace pidns
