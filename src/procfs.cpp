// procfs: pure parsers of the kernel's /proc text.
#include "procfs.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace pidns {
namespace {

// A plain decimal that fills `s`, into `out` (left as it was on failure). An out-parameter
// rather than std::optional: GCC -O2 may read a disengaged optional's payload speculatively,
// which valgrind then reports as a jump on uninitialised memory.
template <typename Int>
bool parse_decimal(std::string_view s, Int& out) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return false;  // no sign, no space
  Int value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return false;
  out = value;
  return true;
}

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
bool parse_pid_list(std::string_view s, std::vector<pid_t>& out) {
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
       have_threads = false, have_state = false;
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
      // get_task_state() in fs/proc/array.c: "Z (zombie)", "X (dead)", ...; optional here.
      st.exited = value.starts_with('Z') || value.starts_with('X');
      have_state = true;
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
    } else if (key == "Threads" && !have_threads) {
      if (!parse_decimal(value, st.threads)) return std::nullopt;
      have_threads = true;
      // The kernel prints Threads after the other fields we need: stop reading early.
      if (have_name && have_ppid && have_uid && have_nstgid) break;
    }
  }
  if (!have_name || !have_ppid || !have_uid || !have_nstgid) return std::nullopt;
  return st;
}

std::vector<NsfsMount> parse_nsfs_mounts(std::string_view mountinfo) {
  std::vector<NsfsMount> mounts;
  while (!mountinfo.empty()) {
    std::string_view line = take_line(mountinfo);

    // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER"
    std::size_t dash = line.find(" - ");
    if (dash == std::string_view::npos || line.substr(dash + 3, 5) != "nsfs ") continue;
    std::string_view fields[5];
    std::string_view rest = line.substr(0, dash);
    bool ok = true;
    for (std::string_view& f : fields) {
      std::size_t sp = rest.find(' ');
      if (sp == std::string_view::npos && &f != &fields[4]) {
        ok = false;
        break;
      }
      f = rest.substr(0, sp);
      rest.remove_prefix(sp == std::string_view::npos ? rest.size() : sp + 1);
    }
    std::string_view root = fields[3];
    if (!ok || root.size() < 7 || root.substr(0, 5) != "pid:[" || root.back() != ']') continue;
    std::uint64_t ino = 0;
    std::optional<std::string> mountpoint = unescape_octal(fields[4]);
    if (!parse_decimal(root.substr(5, root.size() - 6), ino) || !mountpoint ||
        mountpoint->empty() || mountpoint->front() != '/') {
      continue;
    }
    mounts.push_back({std::move(*mountpoint), ino});
  }
  return mounts;
}

std::optional<pid_t> parse_pid(std::string_view name) {
  pid_t pid = 0;
  if (name.empty() || name.front() == '0' || !parse_decimal(name, pid) || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

}  // namespace pidns
