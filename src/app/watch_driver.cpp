// watch_driver: --watch on the real kernel: the event source, the loop, the signals, the output.
#include "app/watch_driver.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <csetjmp>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "app/exit_status.hpp"
#include "kernel/nsfs.hpp"
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

// SIGINT and SIGTERM end the watch. They stay blocked while it works, so that no work is done in
// a handler and no line is cut short by one, and are let in only where it waits: in ppoll(), and
// in each write(2) to stdout, which blocks for as long as its reader does not read (a full pipe:
// a stalled log shipper, `| less` at its prompt; a terminal stopped by ^S). Their handler notes
// the signal and, in a write, jumps out of it (write_piece()). SIGPIPE is ignored meanwhile: a
// reader that closes the pipe makes write(2) fail with EPIPE, which ends the watch quietly.
volatile std::sig_atomic_t g_stop_signal = 0;
volatile std::sig_atomic_t g_in_write = 0;
sigjmp_buf g_write_jump;

void on_stop_signal(int sig) {
  g_stop_signal = sig;
  if (g_in_write != 0) {
    g_in_write = 0;
    siglongjmp(g_write_jump, 1);  // restores the mask of sigsetjmp(): both blocked again
  }
}

class StopSignals {
 public:
  StopSignals() {
    g_stop_signal = 0;
    sigemptyset(&stop_);
    sigaddset(&stop_, SIGINT);
    sigaddset(&stop_, SIGTERM);
    if (::sigprocmask(SIG_BLOCK, &stop_, &old_mask_) != 0) throw SysError(errno, "sigprocmask");
    ::sigprocmask(SIG_SETMASK, nullptr, &working_);
    open_ = working_;
    sigdelset(&open_, SIGINT);
    sigdelset(&open_, SIGTERM);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    action.sa_mask = stop_;
    action.sa_flags = 0;  // no SA_RESTART: a write(2) that blocks returns when one comes
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old_pipe_);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // A signal still pending goes to the handler first: with the default action, it would kill
  // the process on its way out and turn exit 0 into death by signal.
  ~StopSignals() {
    ::sigprocmask(SIG_SETMASK, &open_, nullptr);
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    ::sigaction(SIGPIPE, &old_pipe_, nullptr);
    ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  }

  /// The mask while waiting: SIGINT and SIGTERM let in.
  [[nodiscard]] const sigset_t& open() const noexcept { return open_; }
  /// The mask while working: both blocked.
  [[nodiscard]] const sigset_t& working() const noexcept { return working_; }
  /// SIGINT or SIGTERM came.
  [[nodiscard]] static bool caught() noexcept { return g_stop_signal != 0; }

 private:
  sigset_t stop_{};
  sigset_t old_mask_{};
  sigset_t working_{};
  sigset_t open_{};
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
  struct sigaction old_pipe_ {};
};

// One write(2) with SIGINT and SIGTERM let in, so that either ends a write that blocks. Returns
// what write(2) returned, or nullopt when a signal ended it or came just before it: then nothing
// was written, but to a terminal (or of more than PIPE_BUF bytes) perhaps a part. No object with
// a destructor lives here: siglongjmp() skips them.
std::optional<ssize_t> write_piece(int fd, const char* data, std::size_t size,
                                   const StopSignals& signals) {
  if (StopSignals::caught() || sigsetjmp(g_write_jump, 1) != 0) return std::nullopt;
  g_in_write = 1;
  ::sigprocmask(SIG_SETMASK, &signals.open(), nullptr);  // one pending comes now, and jumps
  ssize_t n = ::write(fd, data, size);
  g_in_write = 0;
  int saved = errno;
  ::sigprocmask(SIG_SETMASK, &signals.working(), nullptr);
  errno = saved;
  return n;
}

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
  // The proc connector answers only subscribers that live in the initial user and PID namespaces.
  if (inode_of("/proc/self/ns/user") != kInitialUserNsIno) {
    return "not in the initial user namespace";
  }
  if (inode_of("/proc/self/ns/pid") != kInitialPidNsIno) return "not in the initial PID namespace";
  std::optional<std::uint64_t> caps;
  try {
    caps = own_effective_capabilities();
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
    StopSignals signals;
    signals_ = &signals;
    open_connector();
    announce();
    std::optional<LinuxProcessFacts> facts;
    if (connector_) facts.emplace(plan_.proc_root);
    std::int64_t started = monotonic_ns();
    Watch watch = start(facts, started);
    if (!print()) return status_;
    return follow(watch, facts, started);
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
  int follow(Watch& watch, std::optional<LinuxProcessFacts>& facts, std::int64_t started) {
    auto interval = static_cast<std::int64_t>(plan_.interval * 1e9);
    std::int64_t next_scan = started + interval;
    std::vector<ProcEvent> received;
    for (;;) {
      // One that came at the end of a write, after it could still jump out of it.
      if (StopSignals::caught()) return kOk;
      std::int64_t now = monotonic_ns();
      std::optional<std::int64_t> wake = connector_ ? watch.next_deadline() : next_scan;
      timespec timeout{};
      if (wake) {
        std::int64_t ns = std::max<std::int64_t>(0, *wake - now);
        timeout = {static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      }
      pollfd fds[2] = {{connector_ ? connector_->fd() : -1, POLLIN, 0}, {out_fd_, 0, 0}};
      if (::ppoll(fds, 2, wake ? &timeout : nullptr, &signals_->open()) < 0) {
        if (errno != EINTR) throw SysError(errno, "poll");
        if (StopSignals::caught()) return kOk;  // SIGINT or SIGTERM, between two lines
        continue;
      }
      if (fds[1].revents != 0) return kOk;  // the reader of the pipe is gone: end quietly

      if (connector_ && (fds[0].revents & POLLIN) != 0) {
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
      if (!(out_fd_ >= 0 ? emit(line) : emit_to_stream(line))) {
        events_.clear();
        return false;
      }
    }
    events_.clear();
    return true;
  }

  // One line to stdout, in pieces that a pipe takes whole or not at all (PIPE_BUF; a line that
  // long is rare). SIGINT and SIGTERM are let in while each write(2) blocks, so that they end a
  // watch whose reader has stopped reading: to a pipe the line is then printed whole or not at
  // all; to a terminal, or for a line longer than PIPE_BUF, a part of it may have gone out, and
  // the output ends without a newline. False when the run must end (status_ says how).
  bool emit(std::string_view line) {
    while (!line.empty()) {
      std::optional<ssize_t> n = write_piece(
          out_fd_, line.data(), std::min<std::size_t>(line.size(), PIPE_BUF), *signals_);
      if (!n) return false;  // SIGINT or SIGTERM
      if (*n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) {  // another user of the descriptor made it non-blocking
          if (!wait_writable()) return false;
          continue;
        }
        return write_failed();
      }
      line.remove_prefix(static_cast<std::size_t>(*n));
    }
    return true;
  }

  // Waits until stdout takes more, or a signal ends the run.
  bool wait_writable() {
    pollfd p{out_fd_, POLLOUT, 0};
    if (::ppoll(&p, 1, nullptr, &signals_->open()) < 0 && errno != EINTR) {
      throw SysError(errno, "poll");
    }
    return !StopSignals::caught();
  }

  // Where the output is not stdout (the unit tests' streams).
  bool emit_to_stream(const std::string& line) {
    out_.write(line.data(), static_cast<std::streamsize>(line.size()));
    out_.flush();
    return out_ ? true : write_failed();
  }

  // A write failed: a closed pipe (EPIPE, SIGPIPE being ignored) ends the run quietly, anything
  // else with one line and exit 1. Returns false.
  bool write_failed() {
    if (errno != EPIPE) {
      say(err_, "error writing to standard output");
      status_ = kFailure;
    }
    return false;
  }

  const WatchPlan& plan_;
  NsSource& source_;
  std::ostream& out_;
  std::ostream& err_;
  int out_fd_ = -1;
  StopSignals* signals_ = nullptr;  // run()'s
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
