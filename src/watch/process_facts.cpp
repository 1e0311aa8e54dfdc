// process_facts: what --watch reads about one process when an event names it.
#include "watch/process_facts.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <linux/types.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "kernel/procfs.hpp"

// Newer than Debian 12's <linux/nsfs.h>: the 64-bit namespace id of Linux 6.18.
#ifndef NS_GET_ID
#define NS_GET_ID _IOR(NSIO, 0xd, __u64)
#endif

namespace pidns {

LinuxProcessFacts::LinuxProcessFacts(const std::string& proc_root)
    : root_(open_at(AT_FDCWD, proc_root.c_str(), O_DIRECTORY)) {}

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

std::string LinuxProcessFacts::cgroup(pid_t pid) {
  std::optional<std::string_view> text = read(pid, "/cgroup");
  return text ? std::string(*text) : std::string();
}

void LinuxProcessFacts::enable_names(const std::string& host_root,
                                     std::vector<EngineDaemon> daemons) {
  host_ = std::make_unique<HostRoot>(host_root);
  daemons_ = std::move(daemons);
}

// A finder of its own for each new container: the engines' files change while the watch runs,
// and a finder caches what it read for the rest of its life.
ContainerNames LinuxProcessFacts::names(const ContainerLabel& label) {
  if (!host_ || !may_have_names(label)) return {};
  return NameFinder(*host_, daemons_).find(label);
}

std::optional<NsFacts> LinuxProcessFacts::namespace_of(pid_t pid) {
  PidPath p(pid, "/ns/pid");
  const char* path = p.c_str();
  try {
    UniqueFd fd = open_at(root_.get(), path);
    NsFacts facts;
    facts.id = ns_id_of(fd.get(), path);
    std::uint64_t id = 0;
    if (::ioctl(fd.get(), NS_GET_ID, &id) == 0) facts.unique_id = id;  // ENOTTY before 6.18
    UniqueFd parent(::ioctl(fd.get(), NS_GET_PARENT));
    if (parent) {
      facts.parent = ns_id_of(parent.get(), "parent of " + ns_label(facts.id));
    } else if (errno != EPERM) {  // EPERM: the top of what we may see (ioctl_ns(2))
      throw SysError(errno, "ioctl NS_GET_PARENT on " + ns_label(facts.id));
    }
    return facts;
  } catch (const SysError& e) {
    if (gone_or_denied(e)) return std::nullopt;
    throw;
  }
}

std::optional<std::uint64_t> parse_cap_eff(std::string_view status) {
  while (!status.empty()) {
    std::string_view line = take_line(status);
    constexpr std::string_view kKey = "CapEff:";
    if (!line.starts_with(kKey)) continue;
    line.remove_prefix(kKey.size());
    while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) line.remove_prefix(1);
    std::uint64_t caps = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), caps, 16);
    if (ec != std::errc() || end != line.data() + line.size() || line.empty()) return std::nullopt;
    return caps;
  }
  return std::nullopt;
}

}  // namespace pidns
