// thread_init: a PID namespace whose init is multithreaded, for the tests of --watch (tests/watch)
// and of the tree (tests/integration): the kernel keeps a namespace alive while any thread of its
// init's thread group lives, whatever its leader does.
//
//   thread_init NAME leader-exits    the init (named NAME) starts a child namespace (its init
//                                    named NAMEc) and a second thread; on the first line of
//                                    stdin the main thread exits (a zombie leader with a live
//                                    thread), on the second the other thread exits too, which
//                                    ends the namespace.
//   thread_init NAME exec PROGRAM    on the first line of stdin a second thread of the init execs
//                                    PROGRAM 300 (de_thread() makes the old leader exit).
//
// Prints "init PID" (PID as the caller's namespace numbers it) when the namespace is built, and
// "done N" after the N-th line of stdin has been acted on. Exits with the init's status. Every
// process and thread has PR_SET_PDEATHSIG = SIGKILL: nothing outlives this process.
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr int kExitSkip = 77;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "thread_init: %s: %s\n", what, std::strerror(errno));
  std::_Exit(1);
}

// One line of stdin (unbuffered, so that the threads share the stream byte by byte); false at EOF.
bool read_line() {
  char c;
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    if (c == '\n') return true;
  }
}

void say(const std::string& line) {
  std::string text = line + "\n";
  if (::write(STDOUT_FILENO, text.data(), text.size()) < 0) std::_Exit(1);
}

void orphan_dies() {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("prctl PR_SET_PDEATHSIG");
}

sem_t g_leader_gone;
const char* g_program = nullptr;

// leader-exits: the thread that outlives the leader, and then exits alone.
void* survivor(void*) {
  orphan_dies();
  while (::sem_wait(&g_leader_gone) != 0) {
  }
  ::usleep(100'000);  // the leader is a zombie by now
  say("done 1");
  read_line();
  say("done 2");
  ::syscall(SYS_exit, 0);  // this thread only: the last live one, so the group ends
  return nullptr;
}

void* exec_thread(void*) {
  orphan_dies();
  read_line();
  say("done 1");
  char seconds[] = "300";
  char* argv[] = {const_cast<char*>(g_program), seconds, nullptr};
  ::execv(g_program, argv);
  die("execv");
}

// Without PR_SET_PDEATHSIG: its parent is the leader thread, whose exit would fire it. It dies
// with its parent namespace, which the kernel kills when the init's last thread exits.
[[noreturn]] void child_namespace_init(const std::string& name) {
  ::prctl(PR_SET_NAME, (name + "c").c_str());
  for (;;) ::pause();
}

[[noreturn]] void init_main(const std::string& name, const std::string& mode) {
  orphan_dies();
  if (::prctl(PR_SET_NAME, name.c_str()) != 0) die("prctl PR_SET_NAME");
  pthread_t thread;
  if (mode == "leader-exits") {
    ::sem_init(&g_leader_gone, 0, 0);
    if (::pthread_create(&thread, nullptr, survivor, nullptr) != 0) die("pthread_create");
    // After unshare(CLONE_NEWPID) a process may start no more threads: the thread comes first.
    if (::unshare(CLONE_NEWPID) != 0) die("unshare CLONE_NEWPID (child namespace)");
    pid_t child = ::fork();
    if (child < 0) die("fork");
    if (child == 0) child_namespace_init(name);
    read_line();
    ::sem_post(&g_leader_gone);
    ::pthread_exit(nullptr);  // the leader only: the process lives on in the other thread
  }
  if (::pthread_create(&thread, nullptr, exec_thread, nullptr) != 0) die("pthread_create");
  for (;;) ::pause();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (std::string(argv[2]) == "exec" && argc != 4) ||
      (std::string(argv[2]) != "exec" && std::string(argv[2]) != "leader-exits")) {
    std::fprintf(stderr, "usage: thread_init NAME leader-exits | NAME exec PROGRAM\n");
    return 2;
  }
  std::string name = argv[1];
  std::string mode = argv[2];
  if (mode == "exec") g_program = argv[3];
  if (::unshare(CLONE_NEWPID) != 0) {
    if (errno == EPERM) return kExitSkip;
    die("unshare CLONE_NEWPID");
  }
  std::fflush(stdout);
  pid_t init = ::fork();
  if (init < 0) die("fork");
  if (init == 0) init_main(name, mode);
  say("init " + std::to_string(init));
  int status = 0;
  while (::waitpid(init, &status, 0) < 0) {
    if (errno != EINTR) die("waitpid");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
