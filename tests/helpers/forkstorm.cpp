// forkstorm: a paced storm of short-lived processes, with PID namespaces born and dying in it,
// for the --watch benchmark (tests/bench/watch). Not installed.
//
//   forkstorm RATE SECONDS NAMESPACES NS_LIFE_MS
//
// Starts RATE processes a second for SECONDS; each execs /bin/true (fork, exec and exit: the three
// events the proc connector reports for each command of a shell script). NAMESPACES of those forks,
// spread evenly over the storm, are instead clone(CLONE_NEWPID): the new namespace's init execs
// /bin/sleep for NS_LIFE_MS milliseconds. Children are reaped by the kernel (SIGCHLD ignored).
// Prints, one per line, "ns INIT_PID" for each namespace (INIT_PID as our namespace numbers it),
// then "done FORKS NAMESPACES SECONDS" with what it achieved. Exit status 1 on a failed fork.
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

double now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void exec_or_die(const char* path, const char* arg) {
  const char* argv[] = {path, arg, nullptr};
  ::execv(path, const_cast<char* const*>(argv));
  ::_exit(127);
}

// A process that execs /bin/true, spawned as posix_spawn() does (vfork(): no copy of our page
// tables, so one process can start thousands a second); or a namespace's init, cloned with
// CLONE_NEWPID like fork(), that execs /bin/sleep. The proc connector reports both as forks.
pid_t spawn(bool new_pid_ns, const char* life) {
  if (!new_pid_ns) {
    pid_t pid = ::vfork();
    if (pid == 0) exec_or_die("/bin/true", nullptr);
    return pid;
  }
  auto pid = static_cast<pid_t>(
      ::syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, nullptr));
  if (pid == 0) exec_or_die("/bin/sleep", life);
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fputs("usage: forkstorm RATE SECONDS NAMESPACES NS_LIFE_MS\n", stderr);
    return 2;
  }
  const double rate = std::atof(argv[1]);
  const double seconds = std::atof(argv[2]);
  const long namespaces = std::atol(argv[3]);
  const std::string life = std::to_string(std::atof(argv[4]) / 1000.0);
  const long total = static_cast<long>(rate * seconds);
  if (rate <= 0 || seconds <= 0 || namespaces < 0 || namespaces > total) {
    std::fputs("forkstorm: bad arguments\n", stderr);
    return 2;
  }
  std::signal(SIGCHLD, SIG_IGN);  // the kernel reaps: no zombies, no waitpid
  const long every = namespaces > 0 ? total / namespaces : total + 1;
  long forks = 0;
  long made = 0;
  const double start = now();
  timespec tick{0, 1'000'000};  // catch up with the schedule every millisecond
  for (long k = 0; k < total;) {
    long due = static_cast<long>((now() - start) * rate);
    while (k < total && k < due) {
      bool ns = namespaces > 0 && k % every == every / 2 && made < namespaces;
      pid_t pid = spawn(ns, life.c_str());
      if (pid < 0) {
        if (errno == EAGAIN) break;  // at a limit for a moment: try again next tick
        std::fprintf(stderr, "forkstorm: fork: %s\n", std::strerror(errno));
        return 1;
      }
      if (ns) {
        std::printf("ns %d\n", pid);
        ++made;
      } else {
        ++forks;
      }
      ++k;
    }
    ::nanosleep(&tick, nullptr);
  }
  std::printf("done %ld %ld %.3f\n", forks, made, now() - start);
  return 0;
}
