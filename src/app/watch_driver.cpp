// watch_driver: --watch on the real kernel: the event source, the loop, the signals, the output.
#include "app/watch_driver.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "app/exit_status.hpp"
#include "kernel/procfs.hpp"
#include "model/graph.hpp"
#include "model/resolve.hpp"
#include "output/report.hpp"
#include "watch/event_lines.hpp"
#include "watch/proc_connector.hpp"
#include "watch/process_facts.hpp"
#include "watch/watch.hpp"

namespace pidns {
namespace {

// The fixed inode numbers of the initial namespaces (PROC_PID_INIT_INO, PROC_USER_INIT_INO in
// include/linux/proc_ns.h): the proc connector answers only subscribers that live in both.
constexpr std::uint64_t kInitialPidNsIno = 0xEFFFFFFCu;
constexpr std::uint64_t kInitialUserNsIno = 0xEFFFFFFDu;
// A fork storm makes about three events (fork, exec, exit) per process, each about 1 KiB of
// receive buffer: 4 MiB rides out a pause of about a second at 1,000 forks per second.
constexpr int kDefaultReceiveBuffer = 4 << 20;
constexpr const char* kReceiveBufferVariable = "PIDNS_TREE_WATCH_RCVBUF";
constexpr int kAckTimeoutMs = 500;
// At most this many datagrams are read (and dropped) after an overrun before the rescan.
constexpr std::size_t kDiscardLimit = 1 << 20;

std::int64_t clock_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t monotonic_ns() { return clock_ns(CLOCK_MONOTONIC); }

// Blocks SIGINT and SIGTERM and hands them over as a readable fd: the loop sees them between two
// events, never in the middle of a line, and no work is done in a signal handler.
class SignalFd {
 public:
  SignalFd() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    if (::sigprocmask(SIG_BLOCK, &set_, &old_) != 0) throw SysError(errno, "sigprocmask");
    fd_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) {
      int saved = errno;
      ::sigprocmask(SIG_SETMASK, &old_, nullptr);
      throw SysError(saved, "signalfd");
    }
  }
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;
  // Unblocking a signal that is still pending delivers it: with its default action, SIGINT would
  // kill the process on its way out, and turn exit 0 into death by signal. So first take what
  // is pending.
  ~SignalFd() {
    while (take()) {
    }
    ::sigprocmask(SIG_SETMASK, &old_, nullptr);
  }

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }
  /// Reads one pending signal; false when none is.
  bool take() {
    signalfd_siginfo info{};
    return ::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info);
  }

 private:
  sigset_t set_{};
  sigset_t old_{};
  UniqueFd fd_;
};

// The receive buffer PIDNS_TREE_WATCH_RCVBUF asks for, if any.
std::optional<int> receive_buffer_size() {
  const char* text = std::getenv(kReceiveBufferVariable);
  if (text == nullptr || *text == '\0') return std::nullopt;
  int bytes = 0;
  if (!parse_decimal(std::string_view(text), bytes) || bytes <= 0) {
    throw std::runtime_error(fmt::format("{} must be a positive number of bytes, not '{}'",
                                         kReceiveBufferVariable, text));
  }
  return bytes;
}

std::optional<std::uint64_t> inode_of(const char* path) {
  struct stat st {};
  if (::stat(path, &st) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_ino);
}

// /proc itself, or another name of that mount (/proc/, a bind mount): the connector numbers
// processes as /proc does.
bool is_slash_proc(const std::string& proc_root) {
  if (proc_root == "/proc") return true;
  struct stat a {};
  struct stat b {};
  return ::stat(proc_root.c_str(), &a) == 0 && ::stat("/proc", &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

// Why the proc connector cannot serve this run; empty when it can.
std::string connector_refusal(const std::string& proc_root) {
  if (!is_slash_proc(proc_root)) {
    return "--proc is not /proc, and the connector numbers processes as /proc does";
  }
  if (inode_of("/proc/self/ns/user") != kInitialUserNsIno) {
    return "not in the initial user namespace";
  }
  if (inode_of("/proc/self/ns/pid") != kInitialPidNsIno) return "not in the initial PID namespace";
  std::optional<std::uint64_t> caps;
  try {
    ReadBuffer buf;
    caps = parse_cap_eff(read_proc_file(AT_FDCWD, "/proc/self/status", buf, ProcText::kWhole));
  } catch (const SysError&) {
  }
  if (!caps || ((*caps >> kCapNetAdmin) & 1u) == 0) return "no CAP_NET_ADMIN";
  return {};
}

class Runner {
 public:
  Runner(const WatchPlan& plan, NsSource& source, std::ostream& out, std::ostream& err)
      : plan_(plan), source_(source), out_(out), err_(err) {
    // Only stdout's own fd can be polled for the reader's end of a pipe going away.
    out_fd_ = out.rdbuf() == std::cout.rdbuf() ? STDOUT_FILENO : -1;
  }

  int run() {
    SignalFd signals;
    open_connector();
    announce();
    std::optional<LinuxProcessFacts> facts;
    if (connector_) facts.emplace(plan_.proc_root);
    std::int64_t started = monotonic_ns();
    Watch watch = start(facts, started);
    if (!print()) return status_;
    return follow(watch, signals, facts, started);
  }

 private:
  // Subscribed first, scanned second: whatever happens from now on is in the events.
  Watch start(std::optional<LinuxProcessFacts>& facts, std::int64_t started) {
    ScanRequest first = plan_.first;
    // Events name new containers later from the daemons found now; rescans need not list them.
    first.engine_daemons = facts.has_value() && first.cgroups;
    Scan scan = source_.scan(first);
    std::vector<NsId> named = scan.named;
    if (facts && !first.host_root.empty() && !scan.names_skipped) {
      facts->enable_names(first.host_root, std::move(scan.engine_daemons));
    }
    NamespaceGraph graph = NamespaceGraph::build(std::move(scan));
    WatchConfig config;
    config.labels = first.cgroups;
    Resolver resolver(graph, first.ns_paths, std::move(named), {});
    for (const NsName& ns : plan_.scope) config.scope.push_back(resolver.ns(ns));
    report_unshown(graph, plan_.root, err_);
    Watch watch(std::move(config));
    watch.start(graph, started, events_);
    return watch;
  }

  // Events (or rescans) until a signal, a closed pipe or the end of every --ns namespace.
  int follow(Watch& watch, SignalFd& signals, std::optional<LinuxProcessFacts>& facts,
             std::int64_t started) {
    auto interval = static_cast<std::int64_t>(plan_.interval * 1e9);
    std::int64_t next_scan = started + interval;
    std::vector<ProcEvent> received;
    for (;;) {
      std::int64_t now = monotonic_ns();
      std::optional<std::int64_t> wake = connector_ ? watch.next_deadline() : next_scan;
      int timeout = -1;
      if (wake) {
        std::int64_t ms = std::max<std::int64_t>(0, (*wake - now + 999'999) / 1'000'000);
        timeout = static_cast<int>(std::min<std::int64_t>(ms, INT_MAX));
      }
      pollfd fds[3] = {{signals.fd(), POLLIN, 0},
                       {connector_ ? connector_->fd() : -1, POLLIN, 0},
                       {out_fd_, 0, 0}};
      if (::poll(fds, 3, timeout) < 0) {
        if (errno == EINTR) continue;
        throw SysError(errno, "poll");
      }
      if (fds[0].revents != 0 && signals.take()) {
        return kOk;  // SIGINT or SIGTERM: every line printed is whole
      }
      if (fds[2].revents != 0) return kOk;  // the reader of the pipe is gone: end quietly

      if (connector_ && (fds[1].revents & POLLIN) != 0) {
        received.clear();
        ProcConnector::Received r = connector_->receive(received);
        for (const ProcEvent& e : received) watch.on_event(e, *facts, events_);
        if (r == ProcConnector::Received::Overrun) {
          discard_queued();
          watch.lost(monotonic_ns(), *facts, events_);
          if (!print()) return status_;
          rescan(watch);
        }
      }
      now = monotonic_ns();
      if (connector_) {
        watch.tick(now, *facts, events_);
      } else if (now >= next_scan) {
        rescan(watch);
        next_scan += interval;
        if (next_scan <= now) next_scan = now + interval;  // a scan slower than the interval
      }
      if (!print()) return status_;
      if (watch.scope_gone()) return kOk;
    }
  }

  void open_connector() {
    refusal_ = connector_refusal(plan_.proc_root);
    if (!refusal_.empty()) return;
    std::optional<int> asked = receive_buffer_size();
    try {
      connector_.emplace(kDefaultReceiveBuffer);
      if (!connector_->subscribe(kAckTimeoutMs)) {
        connector_.reset();
        refusal_ = "the kernel did not answer the subscription (no CONFIG_PROC_EVENTS?)";
        return;
      }
      // Only now: a tiny buffer could lose the kernel's answer to the subscription itself.
      if (asked) connector_->set_receive_buffer(*asked);
    } catch (const SysError& e) {
      connector_.reset();
      refusal_ = e.what();
    }
  }

  void announce() {
    if (connector_) {
      say(err_,
          "watching the kernel's process events (proc connector); not seen: a namespace whose "
          "init is reaped before its fork event is read, and one without an init (held only by "
          "a bind mount, an open file or pid_for_children)");
    } else {
      say(err_, fmt::format("watching by rescanning {} every {:g} s (no proc connector: {}); not "
                            "seen: namespaces that live less than that; times are those of the "
                            "rescans",
                            plan_.proc_root, plan_.interval, refusal_));
    }
  }

  void rescan(Watch& watch) {
    std::int64_t now = monotonic_ns();
    NamespaceGraph graph = NamespaceGraph::build(source_.scan(plan_.request));
    watch.rescan(graph, now, events_);
  }

  // After an overrun: what is still queued happened before the rescan that follows, which
  // covers it.
  void discard_queued() {
    std::vector<ProcEvent> scratch;
    for (std::size_t read = 0; read < kDiscardLimit; read += 4096) {
      scratch.clear();
      if (connector_->receive(scratch, 4096) == ProcConnector::Received::Empty) break;
    }
  }

  // Prints and flushes each event; false when the run must end (status_ says how).
  bool print() {
    std::int64_t offset = clock_ns(CLOCK_REALTIME) - monotonic_ns();
    for (const WatchEvent& e : events_) {
      std::string line = format_watch_event(e, (e.time_ns + offset) / 1'000'000, plan_.format);
      out_.write(line.data(), static_cast<std::streamsize>(line.size()));
      out_.flush();
      if (!out_) {
        // EPIPE only when SIGPIPE is ignored (main() restores its default): a closed pipe.
        if (errno != EPIPE) {
          say(err_, "error writing to standard output");
          status_ = kFailure;
        }
        events_.clear();
        return false;
      }
    }
    events_.clear();
    return true;
  }

  const WatchPlan& plan_;
  NsSource& source_;
  std::ostream& out_;
  std::ostream& err_;
  int out_fd_ = -1;
  std::optional<ProcConnector> connector_;
  std::string refusal_;
  std::vector<WatchEvent> events_;
  int status_ = kOk;
};

}  // namespace

int run_watch(const WatchPlan& plan, NsSource& source, std::ostream& out, std::ostream& err) {
  try {
    return Runner(plan, source, out, err).run();
  } catch (const std::exception& e) {
    say(err, e.what());
    return kFailure;
  }
}

}  // namespace pidns
