// nsfixture: builds a real tree of nested PID namespaces for the integration tests, records what it
// built as JSON, and holds it until stdin reaches EOF (after TLPI's namespaces/multi_pidns.c).
//
//   nsfixture [--mount-proc] [--name-prefix P] SPEC OUTFILE
//   SPEC := ns | "max" | "chain:N"      ns := COUNT [ "(" ns { "," ns } ")" ]
//
// Every namespace's init is cloned with CLONE_NEWPID by the init of the parent namespace (the
// first one by this top process); the init forks the namespace's other members. Each process
// reports itself over an inherited AF_UNIX datagram socket: SCM_CREDENTIALS carries its PID as the
// kernel translates it into our namespace, so the top process learns caller-namespace PIDs without
// the /proc scan that pidns-tree uses, and then cross-checks them against /proc.
//
// Lifetime: every process has PR_SET_PDEATHSIG = SIGKILL, and the death of a namespace's init makes
// the kernel kill all members of that namespace, so nothing outlives the top process. Exit status:
// 0 after a clean teardown, 1 on any error, 77 if creating PID namespaces is not permitted here.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Json = nlohmann::json;  // readers take keys by name: their order does not matter

constexpr int kExitSkip = 77;
constexpr auto kSetupTimeout = std::chrono::seconds(60);

// ---------------------------------------------------------------------------------------------
// The plan: SPEC parsed into namespaces in pre-order.

struct NsPlan {
  int count = 0;              // members, the init included
  int parent = -1;            // index of the parent namespace; -1: the caller's
  int depth = 1;              // levels below the caller's namespace
  std::vector<int> children;  // indices
};

struct Plan {
  std::vector<NsPlan> ns;
  bool to_max = false;  // "max": a chain of single-member namespaces as deep as allowed
};

class SpecParser {
 public:
  explicit SpecParser(std::string_view s) : s_(s) {}

  // Returns an error message, or empty on success.
  std::string parse(Plan& plan) {
    if (!ns(plan, -1, 1)) return error_;
    if (pos_ != s_.size()) return fail("unexpected '" + std::string(1, s_[pos_]) + "'");
    return {};
  }

 private:
  bool ns(Plan& plan, int parent, int depth) {
    std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    int count = 0;
    auto [end, ec] = std::from_chars(s_.data() + start, s_.data() + pos_, count);
    if (start == pos_ || ec != std::errc() || end != s_.data() + pos_) {
      return fail_bool("a member count expected");
    }
    if (count < 1 || count > 10000) return fail_bool("member count must be 1..10000");
    int index = static_cast<int>(plan.ns.size());
    plan.ns.push_back({count, parent, depth, {}});
    if (parent >= 0) plan.ns[static_cast<std::size_t>(parent)].children.push_back(index);
    if (pos_ < s_.size() && s_[pos_] == '(') {
      do {
        ++pos_;
        if (!ns(plan, index, depth + 1)) return false;
      } while (pos_ < s_.size() && s_[pos_] == ',');
      if (pos_ >= s_.size() || s_[pos_] != ')') return fail_bool("')' expected");
      ++pos_;
    }
    return true;
  }

  std::string fail(const std::string& what) {
    return "bad SPEC at column " + std::to_string(pos_ + 1) + ": " + what;
  }
  bool fail_bool(const std::string& what) {
    error_ = fail(what);
    return false;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::string error_;
};

std::optional<Plan> parse_spec(std::string_view spec, std::string& error) {
  Plan plan;
  if (spec == "max") {
    plan.to_max = true;
    plan.ns.push_back({1, -1, 1, {}});
    return plan;
  }
  if (spec.starts_with("chain:")) {
    std::string_view n_text = spec.substr(6);
    int n = 0;
    auto [end, ec] = std::from_chars(n_text.data(), n_text.data() + n_text.size(), n);
    if (ec != std::errc() || end != n_text.data() + n_text.size() || n < 1 || n > 64) {
      error = "bad SPEC: chain:N needs N in 1..64";
      return std::nullopt;
    }
    for (int i = 0; i < n; ++i) {
      plan.ns.push_back({1, i - 1, i + 1, {}});
      if (i > 0) plan.ns[static_cast<std::size_t>(i - 1)].children.push_back(i);
    }
    return plan;
  }
  error = SpecParser(spec).parse(plan);
  if (!error.empty()) return std::nullopt;
  return plan;
}

// ---------------------------------------------------------------------------------------------
// The report each created process sends to the top process.

enum : std::int32_t { kMember = 1, kError = 2 };

struct Report {
  std::int32_t kind = 0;
  std::int32_t ns_index = -1;
  std::int32_t member_index = -1;
  std::int32_t own_pid = 0;  // getpid() inside its own namespace
  std::uint64_t dev = 0;     // stat() of /proc/self/ns/pid
  std::uint64_t ino = 0;
  std::int32_t deepest = 0;    // "max": this init could not create a deeper namespace
  std::int32_t exit_code = 1;  // kError: the top process's exit status
  char text[256] = {};         // kError: the message
};

struct Options {
  bool mount_proc = false;
  std::string prefix = "nsfx";
  Plan plan;
  std::string outfile;
};

// Process-wide state of a created process (each has its own copy after fork).
struct Child {
  const Options* options = nullptr;
  int report_fd = -1;  // the sending end of the socket pair
};
Child g_child;

// Sends a report from a created process; a failure here cannot be reported, so it just exits.
void send_report(const Report& r) {
  while (::send(g_child.report_fd, &r, sizeof r, 0) < 0) {
    if (errno != EINTR) ::_exit(1);
  }
}

[[noreturn]] void child_fail(int exit_code, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));
[[noreturn]] void child_fail(int exit_code, const char* fmt, ...) {
  Report r;
  r.kind = kError;
  r.exit_code = exit_code;
  std::va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(r.text, sizeof r.text, fmt, ap);
  va_end(ap);
  send_report(r);
  ::_exit(1);
}

// The "not permitted" errors that make this environment unsuitable rather than the test broken.
int code_for(int err) { return err == EPERM ? kExitSkip : 1; }

std::pair<std::uint64_t, std::uint64_t> ns_of_self() {
  struct stat st {};
  if (::stat("/proc/self/ns/pid", &st) != 0) {
    child_fail(1, "stat /proc/self/ns/pid: %s", std::strerror(errno));
  }
  return {st.st_dev, st.st_ino};
}

int pidfd_open_self() { return static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0)); }

// Called first thing in every created process: die with the creator, and close the race in which
// the creator died before PR_SET_PDEATHSIG took effect. An init's getppid() is 0 whatever happens
// to its creator (the creator is outside its namespace), so the creator's pidfd answers instead.
void bind_to_parent(int parent_pidfd, pid_t expected_ppid) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ::_exit(1);
  struct pollfd p {
    parent_pidfd, POLLIN, 0
  };
  if (::poll(&p, 1, 0) != 0) ::_exit(1);  // the creator has exited (or poll failed)
  if (::getppid() != expected_ppid) ::_exit(1);
  ::close(parent_pidfd);
}

void set_name(int ns_index, int member_index) {
  std::string name =
      g_child.options->prefix + std::to_string(ns_index) + "-" + std::to_string(member_index);
  if (::prctl(PR_SET_NAME, name.c_str()) != 0) {
    child_fail(1, "prctl PR_SET_NAME: %s", std::strerror(errno));
  }
}

void report_member(int ns_index, int member_index, bool deepest) {
  auto [dev, ino] = ns_of_self();
  Report r;
  r.kind = kMember;
  r.ns_index = ns_index;
  r.member_index = member_index;
  r.own_pid = ::getpid();
  r.dev = dev;
  r.ino = ino;
  r.deepest = deepest ? 1 : 0;
  send_report(r);
}

[[noreturn]] void sleep_forever() {
  for (;;) ::pause();
}

// fork(2) or clone(2) with CLONE_NEWPID, both fork-like (no separate stack). Returns the child's
// PID (0 in the child), or -1 with errno set.
pid_t spawn(bool new_pid_ns) {
  std::fflush(nullptr);
  int self = pidfd_open_self();
  if (self < 0) return -1;
  pid_t me = ::getpid();
  pid_t pid = new_pid_ns ? static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr,
                                                        nullptr, nullptr, nullptr))
                         : ::fork();
  if (pid == 0) {
    bind_to_parent(self, new_pid_ns ? 0 : me);
    return 0;
  }
  int saved = errno;
  ::close(self);
  errno = saved;
  return pid;
}

[[noreturn]] void run_init(int index);

// In an init: clone the init of child namespace `index`. Returns false if the kernel refused
// because the nesting limit is reached (only tolerated for "max").
bool clone_child_ns(int index, bool tolerate_limit) {
  pid_t pid = spawn(true);
  if (pid == 0) run_init(index);  // does not return
  if (pid > 0) return true;
  if (tolerate_limit && (errno == ENOSPC || errno == EINVAL || errno == EUSERS)) return false;
  child_fail(code_for(errno), "clone CLONE_NEWPID for namespace %d: %s", index,
             std::strerror(errno));
}

// The init of namespace `index` (PID 1 there).
[[noreturn]] void run_init(int index) {
  const Options& o = *g_child.options;
  if (o.mount_proc) {
    // A mount namespace of its own, whose changes do not propagate back, and this namespace's
    // procfs on /proc in it (multi_pidns.c); reachable from outside as /proc/PID/root/proc.
    if (::unshare(CLONE_NEWNS) != 0) {
      child_fail(code_for(errno), "unshare CLONE_NEWNS: %s", std::strerror(errno));
    }
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      child_fail(code_for(errno), "mount --make-rprivate /: %s", std::strerror(errno));
    }
    if (::mount("proc", "/proc", "proc", 0, nullptr) != 0) {
      child_fail(code_for(errno), "mount -t proc proc /proc: %s", std::strerror(errno));
    }
  }
  set_name(index, 0);

  if (o.plan.to_max) {
    bool deeper = clone_child_ns(index + 1, true);
    report_member(index, 0, !deeper);
    sleep_forever();
  }

  report_member(index, 0, false);
  const NsPlan& ns = o.plan.ns[static_cast<std::size_t>(index)];
  for (int m = 1; m < ns.count; ++m) {
    pid_t pid = spawn(false);
    if (pid < 0) child_fail(1, "fork member %d-%d: %s", index, m, std::strerror(errno));
    if (pid == 0) {
      set_name(index, m);
      report_member(index, m, false);
      sleep_forever();
    }
  }
  for (int c : ns.children) clone_child_ns(c, false);
  sleep_forever();
}

// ---------------------------------------------------------------------------------------------
// The top process.

pid_t g_init0 = -1;

// Kills the tree and waits until the kernel has reaped all of it: the init of a namespace is
// reaped only after every member of that namespace (nested ones included) is gone.
void teardown() {
  if (g_init0 <= 0) return;
  ::kill(g_init0, SIGKILL);
  while (::waitpid(g_init0, nullptr, 0) < 0 && errno == EINTR) {
  }
  g_init0 = -1;
}

[[noreturn]] void die(int code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
[[noreturn]] void die(int code, const char* fmt, ...) {
  teardown();
  std::fputs("nsfixture: ", stderr);
  std::va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
  std::exit(code);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) die(1, "cannot read %s: %s", path.c_str(), std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The value of "Key:" in /proc/PID/status, tab-separated fields as a vector.
std::vector<std::string> status_field(const std::string& status, const std::string& key,
                                      const std::string& path) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with(key + ":")) continue;
    std::vector<std::string> fields;
    std::istringstream f(line.substr(key.size() + 1));
    std::string v;
    while (f >> v) fields.push_back(v);
    return fields;
  }
  die(1, "%s has no %s: line", path.c_str(), key.c_str());
}

std::vector<long> to_pids(const std::vector<std::string>& fields) {
  std::vector<long> out;
  for (const std::string& f : fields) out.push_back(std::stol(f));
  return out;
}

struct Member {
  bool seen = false;
  pid_t pid = 0;  // in the caller's namespace (from SCM_CREDENTIALS)
  pid_t own_pid = 0;
  std::uint64_t dev = 0, ino = 0;
};

[[noreturn]] void usage() {
  std::fputs(
      "usage: nsfixture [--mount-proc] [--name-prefix P] SPEC OUTFILE\n"
      "  SPEC := ns | max | chain:N    ns := COUNT [ '(' ns { ',' ns } ')' ]\n",
      stderr);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mount-proc") {
      o.mount_proc = true;
    } else if (a == "--name-prefix" && i + 1 < argc) {
      o.prefix = argv[++i];
    } else if (a.starts_with("--name-prefix=")) {
      o.prefix = a.substr(14);
    } else if (a.starts_with("-") && a != "-") {
      usage();
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 2) usage();
  if (o.prefix.empty() || o.prefix.size() > 8) die(2, "--name-prefix must be 1..8 characters");
  std::string error;
  std::optional<Plan> plan = parse_spec(positional[0], error);
  if (!plan) die(2, "%s", error.c_str());
  o.plan = std::move(*plan);
  o.outfile = positional[1];
  return o;
}

// Receives one report; returns false if none is queued. The sender's PID comes from the kernel.
bool receive(int fd, Report& r, pid_t& sender) {
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(struct ucred))];
  struct iovec iov {
    &r, sizeof r
  };
  struct msghdr msg {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return false;
    die(1, "recvmsg: %s", std::strerror(errno));
  }
  if (n != static_cast<ssize_t>(sizeof r)) die(1, "short report (%zd bytes)", n);
  sender = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
      struct ucred cred {};
      std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
      sender = cred.pid;
    }
  }
  if (r.kind == kMember && sender <= 0) die(1, "a report came without SCM_CREDENTIALS");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_args(argc, argv);
  const Plan& plan = options.plan;

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) die(1, "socketpair: %s", std::strerror(errno));
  int one = 1;
  if (::setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
    die(1, "setsockopt SO_PASSCRED: %s", std::strerror(errno));
  }

  sigset_t mask, old_mask;
  sigemptyset(&mask);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&mask, s);
  if (::sigprocmask(SIG_BLOCK, &mask, &old_mask) != 0)
    die(1, "sigprocmask: %s", std::strerror(errno));
  int sigfd = ::signalfd(-1, &mask, SFD_CLOEXEC);
  if (sigfd < 0) die(1, "signalfd: %s", std::strerror(errno));
  ::signal(SIGPIPE, SIG_IGN);

  // The caller's side, read before anything is created.
  struct stat caller_ns {};
  if (::stat("/proc/self/ns/pid", &caller_ns) != 0) {
    die(1, "stat /proc/self/ns/pid: %s", std::strerror(errno));
  }
  std::vector<long> caller_nstgid =
      to_pids(status_field(read_file("/proc/self/status"), "NStgid", "/proc/self/status"));

  g_init0 = spawn(true);
  if (g_init0 < 0) {
    int err = errno;
    if (err == EPERM)
      die(kExitSkip, "creating a PID namespace is not permitted here (clone: %s)",
          std::strerror(err));
    die(1, "clone CLONE_NEWPID: %s", std::strerror(err));
  }
  if (g_init0 == 0) {
    // The first init: drop what belongs to the top process.
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::close(sigfd);
    ::close(sv[0]);
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      if (null > 2) ::close(null);
    }
    g_child = {&options, sv[1]};
    run_init(0);
  }
  ::close(sv[1]);

  // Collect one report per member. For "max" the number of namespaces is known only when the
  // deepest init says it is the deepest.
  std::vector<std::vector<Member>> members;
  for (const NsPlan& ns : plan.ns) members.emplace_back(static_cast<std::size_t>(ns.count));
  std::size_t expected = 0;
  for (const NsPlan& ns : plan.ns) expected += static_cast<std::size_t>(ns.count);
  if (plan.to_max) expected = 0;  // unknown yet
  std::size_t received = 0;
  auto deadline = std::chrono::steady_clock::now() + kSetupTimeout;
  Plan built = plan;
  while (expected == 0 || received < expected) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      die(1, "timed out: %zu of %zu processes reported", received, expected);
    }
    struct pollfd p[2] = {{sv[0], POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (::poll(p, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      die(1, "poll: %s", std::strerror(errno));
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si {};
      if (::read(sigfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo != SIGCHLD) die(1, "setup interrupted by signal %u", si.ssi_signo);
        if (::waitpid(g_init0, nullptr, WNOHANG) == g_init0) {
          g_init0 = -1;
          // Its error report, if any, is already queued: prefer it.
          Report r;
          pid_t sender = 0;
          while (receive(sv[0], r, sender)) {
            if (r.kind == kError) die(r.exit_code, "%s", r.text);
          }
          die(1, "the init of namespace 0 died during setup");
        }
      }
    }
    Report r;
    pid_t sender = 0;
    while (receive(sv[0], r, sender)) {
      if (r.kind == kError) die(r.exit_code, "%s", r.text);
      if (r.kind != kMember || r.ns_index < 0 || r.member_index < 0) die(1, "bad report");
      auto ns = static_cast<std::size_t>(r.ns_index);
      if (plan.to_max) {
        while (members.size() <= ns) {
          members.emplace_back(1);
          int i = static_cast<int>(built.ns.size());
          built.ns.push_back({1, i - 1, i + 1, {}});
          built.ns[static_cast<std::size_t>(i - 1)].children.push_back(i);
        }
        if (r.deepest) expected = ns + 1;
      }
      if (ns >= members.size() || static_cast<std::size_t>(r.member_index) >= members[ns].size()) {
        die(1, "report for unknown member %d-%d", r.ns_index, r.member_index);
      }
      Member& m = members[ns][static_cast<std::size_t>(r.member_index)];
      if (m.seen) die(1, "member %d-%d reported twice", r.ns_index, r.member_index);
      m = {true, sender, r.own_pid, r.dev, r.ino};
      ++received;
    }
  }

  // Cross-check each member against the caller's /proc, and build the record.
  Json namespaces = Json::array();
  for (std::size_t i = 0; i < built.ns.size(); ++i) {
    const NsPlan& ns = built.ns[i];
    const Member& init = members[i][0];
    Json parent;
    if (ns.parent < 0) {
      parent = {{"dev", caller_ns.st_dev}, {"ino", caller_ns.st_ino}};
    } else {
      const Member& p = members[static_cast<std::size_t>(ns.parent)][0];
      parent = {{"dev", p.dev}, {"ino", p.ino}};
    }
    Json proc = nullptr;
    if (options.mount_proc) {
      std::string root = "/proc/" + std::to_string(init.pid) + "/root/proc";
      struct stat st {};
      std::string probe = root + "/1/ns/pid";
      if (::stat(probe.c_str(), &st) != 0)
        die(1, "stat %s: %s", probe.c_str(), std::strerror(errno));
      if (st.st_dev != init.dev || st.st_ino != init.ino) {
        die(1, "%s is not namespace %zu's procfs", root.c_str(), i);
      }
      proc = root;
    }
    Json list = Json::array();
    for (std::size_t k = 0; k < members[i].size(); ++k) {
      const Member& m = members[i][k];
      if (m.dev != init.dev || m.ino != init.ino) {
        die(1, "member %zu-%zu is not in its init's namespace", i, k);
      }
      std::string path = "/proc/" + std::to_string(m.pid) + "/status";
      std::string status = read_file(path);
      std::vector<long> nstgid = to_pids(status_field(status, "NStgid", path));
      if (nstgid.back() != m.own_pid ||
          nstgid.size() != caller_nstgid.size() + static_cast<std::size_t>(ns.depth)) {
        die(1, "%s: NStgid does not match member %zu-%zu (own PID %d, depth %d)", path.c_str(), i,
            k, m.own_pid, ns.depth);
      }
      if ((k == 0) != (m.own_pid == 1)) die(1, "member %zu-%zu: init is not PID 1", i, k);
      pid_t ppid = k != 0          ? init.pid
                   : ns.parent < 0 ? ::getpid()
                                   : members[static_cast<std::size_t>(ns.parent)][0].pid;
      std::vector<std::string> status_ppid = status_field(status, "PPid", path);
      if (status_ppid.size() != 1 || std::stol(status_ppid[0]) != ppid) {
        die(1, "%s: PPid is not %d", path.c_str(), ppid);
      }
      std::string name = options.prefix + std::to_string(i) + "-" + std::to_string(k);
      std::vector<std::string> status_name = status_field(status, "Name", path);
      if (status_name.size() != 1 || status_name[0] != name) {
        die(1, "%s: Name is not %s", path.c_str(), name.c_str());
      }
      list.push_back({{"pid", m.pid},
                      {"own_pid", m.own_pid},
                      {"nstgid", nstgid},
                      {"name", name},
                      {"ppid", ppid},
                      {"init", k == 0}});
    }
    namespaces.push_back({{"index", i},
                          {"dev", init.dev},
                          {"ino", init.ino},
                          {"parent", parent},
                          {"depth", ns.depth},
                          {"proc", proc},
                          {"members", list}});
  }
  Json doc = {
      {"caller", {{"dev", caller_ns.st_dev}, {"ino", caller_ns.st_ino}, {"pid", ::getpid()}}},
      {"namespaces", namespaces}};

  std::string tmp = options.outfile + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump(2) << '\n';
    out.close();
    if (!out) die(1, "cannot write %s", tmp.c_str());
  }
  if (std::rename(tmp.c_str(), options.outfile.c_str()) != 0) {
    die(1, "rename %s: %s", tmp.c_str(), std::strerror(errno));
  }
  std::fputs("ready\n", stdout);
  if (std::fflush(stdout) != 0) die(1, "cannot write to stdout: %s", std::strerror(errno));

  // Hold the tree until stdin ends, a termination signal arrives, or the tree dies on its own.
  for (;;) {
    struct pollfd p[2] = {{0, POLLIN, 0}, {sigfd, POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die(1, "poll: %s", std::strerror(errno));
    }
    if (p[1].revents & POLLIN) {
      struct signalfd_siginfo si {};
      if (::read(sigfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo != SIGCHLD) break;
        if (::waitpid(g_init0, nullptr, WNOHANG) == g_init0) {
          g_init0 = -1;
          die(1, "the init of namespace 0 died");
        }
      }
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
      char buf[256];
      ssize_t n = ::read(0, buf, sizeof buf);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
      if (p[0].revents & POLLNVAL) break;
    }
  }
  teardown();
  return 0;
}
