// label_reader: what labels namespaces with their containers: the cgroups of their inits (and of
// processes the graph's inference may compare), and the names the engines' state files give.
#include "scan/label_reader.hpp"

#include <fcntl.h>

#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kernel/cgroup_fs.hpp"
#include "kernel/nsfs.hpp"
#include "kernel/procfs.hpp"
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

// A state file per container to parse is most of what names cost: on --jobs threads, each with a
// finder (and its caches) of its own over the one host root, the one list of trusted daemons and
// the one view of the cgroup file system (only where a user's container may need it). Podman's
// store is one file for all its containers: one finder names all its labels here, in one pass
// over each store, rather than each part reading (and holding) every store again.
void LabelReader::name_containers(const std::vector<ContainerLabel*>& wanted) {
  HostRoot host(request_.host_root);
  std::optional<CgroupFs> cgroups;
  if (std::any_of(wanted.begin(), wanted.end(), [](auto* l) { return l->user.has_value(); })) {
    cgroups.emplace(CgroupFs::of_self());
  }
  const CgroupFs* cgroup_fs = cgroups ? &*cgroups : nullptr;
  std::vector<ContainerLabel*> stored;
  std::vector<ContainerLabel*> others;
  for (ContainerLabel* l : wanted) (named_from_a_store(*l) ? stored : others).push_back(l);
  if (!stored.empty()) NameFinder(host, scan_.engine_daemons, cgroup_fs).name_all(stored);
  constexpr std::size_t kMinPart = 16;  // containers
  std::size_t n = part_count(others.size(), request_.jobs, kMinPart);
  run_parts(n, [&](std::size_t k) {
    auto begin = others.begin() + static_cast<std::ptrdiff_t>(part_begin(k, n, others.size()));
    auto end = others.begin() + static_cast<std::ptrdiff_t>(part_begin(k + 1, n, others.size()));
    NameFinder(host, scan_.engine_daemons, cgroup_fs).name_all({begin, end});
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

// The mount namespace whose files --host-root holds, to which a trusted daemon's paths refer:
// that of PID 1 of the scanned procfs. Where PID 1 may not be looked at (some hosts deny it even
// to root), that of kthreadd: every kernel thread runs in the initial mount namespace, which
// PID 1 starts in, and PID 2 of the initial PID namespace is always kthreadd (a PID 2 of any
// other namespace, which a user may start, is told apart by its ns/pid). Failing both,
// pidns-tree's own, if the procfs is its own and the host root is its "/".
std::optional<NsId> LabelReader::host_mount_namespace() {
  try {
    return ns_id_at(root_, "1/ns/mnt");
  } catch (const SysError& e) {
    if (!gone_or_denied(e)) throw;
  }
  try {
    UniqueFd kthreadd = open_at(root_, "2", O_DIRECTORY);
    if (ns_id_at(kthreadd.get(), "ns/pid").ino == kInitialPidNsIno) {
      return ns_id_at(kthreadd.get(), "ns/mnt");
    }
  } catch (const SysError& e) {
    if (!gone_or_denied(e)) throw;
  }
  if (scan_.procfs.relation != ProcfsView::Relation::Same || request_.host_root != "/") {
    return std::nullopt;
  }
  try {
    return ns_id_at(root_, "self/ns/mnt");
  } catch (const SysError& e) {
    if (!gone_or_denied(e)) throw;
  }
  return std::nullopt;
}

// A process named like an engine daemon is trusted to say where the host's engine keeps its state
// only if it runs as root (its real UID, read from its status even under --no-pids) in the
// procfs's own PID namespace (one NStgid field) and in the host's mount namespace: a user's
// process may take any name, and a root daemon in a container of its own sees paths of its own.
// Everything is read through one open /proc/PID, so a PID reused meanwhile is not asked; its
// command line is read only then, and at most kMaxDaemonCmdline of it.
std::optional<EngineDaemon> LabelReader::trusted_daemon(pid_t pid, const NsId& host_mounts,
                                                        ReadBuffer& buf) {
  try {
    UniqueFd dir = open_at(root_, PidPath(pid, ""), O_DIRECTORY);
    std::optional<ProcStatus> status =
        parse_status(read_proc_file(dir.get(), "status", buf, ProcText::kWhole));
    if (!status || status->uid != 0 || status->nstgid.size() != 1 ||
        ns_id_at(dir.get(), "ns/mnt") != host_mounts) {
      return std::nullopt;
    }
    UniqueFd cmdline = open_at(dir.get(), "cmdline");
    buf.clear();
    while (buf.view().size() <= kMaxDaemonCmdline &&
           buf.read_more(cmdline.get(), kMaxDaemonCmdline + 1 - buf.view().size(), "cmdline") > 0) {
    }
    if (buf.view().size() > kMaxDaemonCmdline) return EngineDaemon{};  // says nothing
    return parse_dockerd_cmdline(buf.view());
  } catch (const SysError& e) {
    if (!gone_or_denied(e)) throw;
    return std::nullopt;
  }
}

// The engine daemons that may be trusted (trusted_daemon()), in PID order.
std::vector<EngineDaemon> LabelReader::engine_daemons() {
  std::vector<EngineDaemon> daemons;
  ReadBuffer buf;
  std::optional<NsId> host_mounts;
  bool host_mounts_read = false;
  for (const Process& p : scan_.processes) {
    if (!is_engine_daemon(request_.statuses ? p.status.name : comm_of(p.pid, buf))) continue;
    if (!host_mounts_read) {
      host_mounts = host_mount_namespace();
      host_mounts_read = true;
    }
    if (!host_mounts) break;
    if (std::optional<EngineDaemon> d = trusted_daemon(p.pid, *host_mounts, buf)) {
      daemons.push_back(std::move(*d));
    }
  }
  return daemons;
}

}  // namespace pidns
