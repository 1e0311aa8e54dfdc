// process_facts: what --watch reads about one process when an event names it.
#include "watch/process_facts.hpp"

#include <dirent.h>
#include <fcntl.h>

#include <cerrno>
#include <memory>
#include <vector>

#include "kernel/nsfs.hpp"
#include "kernel/procfs.hpp"

namespace pidns {

LinuxProcessFacts::LinuxProcessFacts(const std::string& proc_root)
    : root_(open_at(AT_FDCWD, proc_root.c_str(), O_DIRECTORY)), opener_(root_.get()) {}

std::optional<std::string_view> LinuxProcessFacts::read(pid_t pid, std::string_view file) {
  PidPath p(pid, file);
  try {
    return read_proc_file(root_.get(), p.c_str(), buf_, ProcText::kWhole);
  } catch (const SysError& e) {
    if (gone_or_denied(e)) return std::nullopt;
    throw;
  }
}

std::optional<ProcStatus> LinuxProcessFacts::status(pid_t pid) {
  std::optional<std::string_view> text = read(pid, "/status");
  if (!text) return std::nullopt;
  return parse_status(*text);
}

void LinuxProcessFacts::enable_names(const std::string& host_root,
                                     std::vector<EngineDaemon> daemons) {
  host_ = std::make_unique<HostRoot>(host_root);
  daemons_ = std::move(daemons);
}

// A finder of its own for each new container: the engines' files change while the watch runs,
// and a finder caches what it read for the rest of its life.
std::optional<ContainerLabel> LinuxProcessFacts::container(pid_t pid) {
  std::optional<std::string_view> cgroup = read(pid, "/cgroup");
  if (!cgroup) return std::nullopt;
  std::optional<ContainerLabel> label = recognise_cgroup(*cgroup);
  if (!label || !host_ || !may_have_names(*label)) return label;
  if (label->user && !cgroups_) cgroups_.emplace(CgroupFs::of_self());
  NameFinder finder(*host_, daemons_, cgroups_ ? &*cgroups_ : nullptr);
  finder.name_all({&*label});
  return label;
}

bool LinuxProcessFacts::thread_lives(pid_t tgid) {
  std::vector<pid_t> tids;
  try {
    UniqueFd list = open_at(root_.get(), PidPath(tgid, "/task"), O_DIRECTORY);
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(list.get()), ::closedir);
    if (!dir) throw SysError(errno, "opendir task");
    (void)list.release();
    errno = 0;
    while (const dirent* entry = ::readdir(dir.get())) {
      std::optional<pid_t> tid = parse_pid(entry->d_name);
      if (tid) tids.push_back(*tid);
      errno = 0;
    }
    if (errno != 0) throw SysError(errno, "readdir task");
  } catch (const SysError& e) {
    if (gone_or_denied(e)) return false;
    throw;
  }
  for (pid_t tid : tids) {
    std::string suffix = "/task/" + std::to_string(tid) + "/status";
    std::optional<std::string_view> text = read(tgid, suffix);
    if (!text) continue;  // released meanwhile
    std::optional<ProcStatus> st = parse_status(*text);
    if (st && st->live()) return true;
  }
  return false;
}

std::optional<NsFacts> LinuxProcessFacts::namespace_of(pid_t pid) {
  PidPath p(pid, "/ns/pid");
  const char* path = p.c_str();
  try {
    // Checked as the scan checks it: a reused PID's /proc entry cannot lead anywhere else.
    UniqueFd fd = opener_.open(root_.get(), path, NsId{});
    NsFacts facts;
    facts.id = ns_id_of(fd.get(), path);
    facts.unique_id = ns_unique_id(fd.get());
    if (UniqueFd parent = open_parent_ns(fd.get(), facts.id)) {
      facts.parent = ns_id_of(parent.get(), "parent of " + ns_label(facts.id));
    }
    return facts;
  } catch (const NotPidNamespace&) {
    return std::nullopt;  // not the namespace it was a moment ago: the process is gone
  } catch (const SysError& e) {
    if (gone_or_denied(e)) return std::nullopt;
    throw;
  }
}

}  // namespace pidns
