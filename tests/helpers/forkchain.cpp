// forkchain: a chain of processes, each the child of the one before, as deep as asked: what any
// user can make, for the tests of memory and stack against deep process trees (tests/robust).
//
//   forkchain N     N processes in all, this one the first; the last writes "ready PID" (its own
//                   PID) to stdout, then each waits. Every one but the first has
//                   PR_SET_PDEATHSIG = SIGKILL: killing the first ends the chain, link by link.
//
// Static, and it touches little memory of its own: each link costs the kernel a task, not the
// machine a program.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  long links = argc == 2 ? std::strtol(argv[1], nullptr, 10) : 0;
  if (links < 1) {
    std::fputs("usage: forkchain N (N >= 1)\n", stderr);
    return 2;
  }
  pid_t parent = ::getpid();
  for (long i = 1; i < links; ++i) {
    pid_t child = ::fork();
    if (child < 0) {
      std::perror("forkchain: fork");
      return 1;
    }
    if (child > 0) {  // this link waits for the rest of the chain
      int status = 0;
      while (::waitpid(child, &status, 0) < 0) {
      }
      return 0;
    }
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) return 1;
    parent = ::getpid();
  }
  std::printf("ready %d\n", static_cast<int>(::getpid()));
  std::fflush(stdout);
  for (;;) ::pause();
}
