// procfs: pure parsers of the kernel's /proc text.
#include "kernel/procfs.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace pidns {
namespace {

// Undoes proc_task_name(): seq_escape_str(..., ESCAPE_SPACE | ESCAPE_SPECIAL, "\n\\") turns '\n'
// into "\n" and '\\' into "\\\\"; every other byte of comm is printed raw.
std::optional<std::string> unescape_name(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i == s.size()) return std::nullopt;
    if (s[i] == 'n') {
      out += '\n';
    } else if (s[i] == '\\') {
      out += '\\';
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// Undoes mangle_path()'s octal escapes in mountinfo paths: "\040" is a space.
std::optional<std::string> unescape_octal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (i + 3 >= s.size()) return std::nullopt;  // a backslash needs three octal digits
    int value = 0;
    for (std::size_t k = 1; k <= 3; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '7') return std::nullopt;
      value = value * 8 + (c - '0');
    }
    if (value > 0xFF) return std::nullopt;
    out += static_cast<char>(value);
    i += 3;
  }
  return out;
}

// Splits "a\tb\tc" on tabs into PIDs; false on anything but decimals. An empty list and PID 0
// are accepted here: parse_status() reads them as a task being reaped.
bool parse_pid_list(std::string_view s, LevelPids& out) {
  out.clear();
  while (!s.empty()) {
    std::size_t tab = s.find('\t');
    pid_t pid = 0;
    if (!parse_decimal(s.substr(0, tab), pid) ||
        out.size() > static_cast<std::size_t>(kMaxPidNsLevel)) {
      return false;
    }
    out.push_back(pid);
    if (tab == std::string_view::npos) break;
    s.remove_prefix(tab + 1);
    if (s.empty()) return false;  // a trailing tab
  }
  return true;
}

}  // namespace

std::string_view take_line(std::string_view& text) noexcept {
  std::size_t eol = text.find('\n');
  std::string_view line = text.substr(0, eol);
  text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  return line;
}

std::optional<ProcStatus> parse_status(std::string_view text) {
  ProcStatus st;
  bool have_name = false, have_ppid = false, have_uid = false, have_nstgid = false,
       have_threads = false, have_state = false, have_tgid = false, have_vmsize = false;
  std::optional<bool> kthread;  // `Kthread:`, where the kernel prints it
  while (!text.empty()) {
    std::string_view line = take_line(text);

    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == '\t') value.remove_prefix(1);

    if (key == "Name" && !have_name) {
      std::optional<std::string> name = unescape_name(value);
      if (!name) return std::nullopt;
      st.name = std::move(*name);
      have_name = true;
    } else if (key == "State" && !have_state) {
      st.state = value.empty() ? '\0' : value.front();
      have_state = true;
    } else if (key == "Tgid" && !have_tgid) {
      if (!parse_decimal(value, st.tgid)) return std::nullopt;
      have_tgid = true;
    } else if (key == "PPid" && !have_ppid) {
      if (!parse_decimal(value, st.ppid)) return std::nullopt;
      have_ppid = true;
    } else if (key == "Uid" && !have_uid) {
      if (!parse_decimal(value.substr(0, value.find('\t')), st.uid)) return std::nullopt;
      have_uid = true;
    } else if (key == "NStgid" && !have_nstgid) {
      if (!parse_pid_list(value, st.nstgid)) return std::nullopt;
      // A task being reaped has lost its PIDs: task_tgid_nr_ns() gives 0 for each, and with its
      // struct pid gone the line may be empty (task_state() in fs/proc/array.c).
      st.exiting =
          st.nstgid.empty() || std::find(st.nstgid.begin(), st.nstgid.end(), 0) != st.nstgid.end();
      have_nstgid = true;
    } else if (key == "Kthread" && !kthread) {
      kthread = value == "1";
    } else if (key == "VmSize") {
      have_vmsize = true;
    } else if (key == "Threads" && !have_threads) {
      if (!parse_decimal(value, st.threads)) return std::nullopt;
      have_threads = true;
      // The kernel prints Threads after every other field we need: stop reading early.
      if (have_name && have_ppid && have_uid && have_nstgid) break;
    }
  }
  if (!have_name || !have_ppid || !have_uid || !have_nstgid) return std::nullopt;
  // task_mem() prints the Vm* lines only for a task with an mm; kernel threads have none, and
  // neither have zombies, whose mm is gone: hence the state. Only kthreadd's children and
  // kthreadd itself (PPid 0, like init) are kernel threads.
  st.kernel_thread =
      kthread ? *kthread
              : !have_vmsize && have_state && st.live() && (st.ppid == 0 || st.ppid == 2);
  return st;
}

std::optional<TaskIds> parse_task_ids(std::string_view status) {
  TaskIds ids;
  bool have_tgid = false, have_nspid = false;
  while (!status.empty() && !(have_tgid && have_nspid)) {
    std::string_view line = take_line(status);
    if (line.starts_with("Tgid:\t") && !have_tgid) {
      have_tgid = parse_decimal(line.substr(6), ids.tgid);
      if (!have_tgid) return std::nullopt;
    } else if (line.starts_with("NSpid:") && !have_nspid) {
      std::string_view value = line.substr(6);
      if (!value.empty() && value.front() == '\t') value.remove_prefix(1);
      have_nspid = parse_pid_list(value, ids.nspid) && !ids.nspid.empty() &&
                   std::find(ids.nspid.begin(), ids.nspid.end(), 0) == ids.nspid.end();
      if (!have_nspid) return std::nullopt;
    }
  }
  if (!have_tgid || !have_nspid) return std::nullopt;
  return ids;
}

std::optional<MountInfoLine> parse_mountinfo_line(std::string_view line) {
  // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER"
  std::size_t dash = line.find(" - ");
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view fields[5];
  std::string_view rest = line.substr(0, dash);
  for (std::string_view& f : fields) {
    std::size_t sp = rest.find(' ');
    if (sp == std::string_view::npos && &f != &fields[4]) return std::nullopt;
    f = rest.substr(0, sp);
    rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
  }
  MountInfoLine m;
  if (!parse_decimal(fields[0], m.mount_id)) return std::nullopt;
  m.root = fields[3];
  m.mountpoint = fields[4];
  std::string_view tail = line.substr(dash + 3);  // "FSTYPE SOURCE SUPER"
  std::size_t sp1 = tail.find(' ');
  std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : tail.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return std::nullopt;
  m.fstype = tail.substr(0, sp1);
  m.super_options = tail.substr(sp2 + 1);
  return m;
}

std::vector<NsfsMount> parse_nsfs_mounts(std::string_view mountinfo) {
  std::vector<NsfsMount> mounts;
  while (!mountinfo.empty()) {
    std::optional<MountInfoLine> m = parse_mountinfo_line(take_line(mountinfo));
    if (!m || m->fstype != "nsfs") continue;
    std::string_view root = m->root;
    if (root.size() < 7 || root.substr(0, 5) != "pid:[" || root.back() != ']') continue;
    std::uint64_t ino = 0;
    std::optional<std::string> mountpoint = unescape_octal(m->mountpoint);
    if (!parse_decimal(root.substr(5, root.size() - 6), ino) || !mountpoint ||
        mountpoint->empty() || mountpoint->front() != '/') {
      continue;
    }
    mounts.push_back({m->mount_id, std::move(*mountpoint), ino});
  }
  return mounts;
}

std::vector<CgroupMount> parse_cgroup_mounts(std::string_view mountinfo) {
  std::vector<CgroupMount> mounts;
  while (!mountinfo.empty()) {
    std::optional<MountInfoLine> m = parse_mountinfo_line(take_line(mountinfo));
    if (!m || m->root != "/" || (m->fstype != "cgroup2" && m->fstype != "cgroup")) continue;
    std::optional<std::string> mountpoint = unescape_octal(m->mountpoint);
    if (!mountpoint || !mountpoint->starts_with('/')) continue;
    CgroupMount c{{}, std::move(*mountpoint)};
    // A v1 hierarchy's super options are its controllers and name=, among mount options such as
    // rw, xattr, release_agent=... and noprefix (cgroup_show_options() in kernel/cgroup).
    for (std::string_view options = m->fstype == "cgroup" ? m->super_options : "";
         !options.empty();) {
      std::string_view option = options.substr(0, options.find(','));
      options.remove_prefix(std::min(options.size(), option.size() + 1));
      if (option == "rw" || option == "ro" || option == "xattr" || option == "noprefix" ||
          option == "cpuset_v2_mode" || option == "favordynmods" || option == "clone_children" ||
          option.starts_with("release_agent=") || option.empty()) {
        continue;
      }
      if (!c.controllers.empty()) c.controllers += ',';
      c.controllers += option;
    }
    if (m->fstype == "cgroup" && c.controllers.empty()) continue;
    mounts.push_back(std::move(c));
  }
  return mounts;
}

HidePid procfs_hidepid(std::string_view mountinfo, std::uint64_t mount_id) {
  while (!mountinfo.empty()) {
    std::optional<MountInfoLine> m = parse_mountinfo_line(take_line(mountinfo));
    if (!m || m->mount_id != mount_id) continue;
    for (std::string_view options = m->super_options; !options.empty();) {
      std::string_view option = options.substr(0, options.find(','));
      options.remove_prefix(std::min(options.size(), option.size() + 1));
      if (!option.starts_with("hidepid=")) continue;
      option.remove_prefix(8);
      if (option == "1" || option == "noaccess") return HidePid::kNoAccess;
      if (option == "2" || option == "invisible") return HidePid::kInvisible;
      if (option == "4" || option == "ptraceable") return HidePid::kPtraceable;
    }
    return HidePid::kOff;
  }
  return HidePid::kOff;
}

std::optional<pid_t> parse_pid(std::string_view name) {
  pid_t pid = 0;
  if (name.empty() || name.front() == '0' || !parse_decimal(name, pid) || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

std::optional<std::size_t> parse_loadavg_threads(std::string_view loadavg) {
  // "0.00 0.01 0.05 2/10113 10437\n": three averages, runnable/total, the last PID.
  for (int field = 0; field < 3; ++field) {
    std::string_view::size_type space = loadavg.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    loadavg.remove_prefix(space + 1);
  }
  std::string_view::size_type slash = loadavg.find('/');
  std::string_view::size_type end = loadavg.find(' ');
  if (slash == std::string_view::npos || end == std::string_view::npos || slash > end) {
    return std::nullopt;
  }
  std::size_t threads = 0;
  if (!parse_decimal(loadavg.substr(slash + 1, end - slash - 1), threads)) return std::nullopt;
  return threads;
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
