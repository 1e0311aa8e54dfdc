// maxrss: runs a command and writes its peak resident set size (wait4(2)'s ru_maxrss, in KiB) to
// a file, for the memory test. A measurement from Python itself would be wrong: ru_maxrss keeps
// the high-water mark of the memory a process had before execve, and a child forked from a large
// Python process starts with all of it. This helper is small, so its child's mark is the tool's.
//
//   maxrss OUTFILE COMMAND [ARG...]     exit status: COMMAND's, or 128+N if killed by signal N
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fputs("usage: maxrss OUTFILE COMMAND [ARG...]\n", stderr);
    return 2;
  }
  pid_t child = ::fork();
  if (child < 0) {
    std::perror("maxrss: fork");
    return 1;
  }
  if (child == 0) {
    ::execvp(argv[2], argv + 2);
    std::fprintf(stderr, "maxrss: exec %s: %s\n", argv[2], std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  while (::wait4(child, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      std::perror("maxrss: wait4");
      return 1;
    }
  }
  std::FILE* out = std::fopen(argv[1], "w");
  if (out == nullptr || std::fprintf(out, "%ld\n", usage.ru_maxrss) < 0 || std::fclose(out) != 0) {
    std::perror("maxrss: write");
    return 1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
