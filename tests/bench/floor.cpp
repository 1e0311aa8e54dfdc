// scan-floor: the single-threaded system-call floor of a PID-namespace scan, for tests/bench/run
// (not installed). On one thread it lists PROC (default /proc) and, for each process listed, does
// exactly one open, one read and one close of PROC/PID/status and one stat of PROC/PID/ns/pid,
// the way pidns-tree does them (openat and fstatat relative to one descriptor of PROC, a 16 KiB
// buffer, PIDs in the ascending order /proc lists them): nothing is parsed and nothing is kept.
// It is the reference of issue 17's targets, not a hard lower bound: pidns-tree's serial scan
// skips the stat of ns/pid for a process at its parent's level, so it can come in under it.
//
//   scan-floor [PROC]
//
// Prints "PROCESSES processes, VANISHED vanished, STATUS_BYTES status bytes" to stdout. Exit
// status 0; 1 if PROC cannot be listed or a process fails other than by vanishing (ENOENT, ESRCH).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

constexpr std::size_t kReadSize = 16 * 1024;  // pidns-tree's read size (src/sys.cpp)

bool all_digits(const char* s) {
  if (*s == '\0') return false;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') return false;
  }
  return true;
}

bool vanished(int err) { return err == ENOENT || err == ESRCH; }

}  // namespace

int main(int argc, char** argv) {
  const char* proc = argc > 1 ? argv[1] : "/proc";
  int root = ::open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) {
    std::fprintf(stderr, "scan-floor: open %s: %s\n", proc, std::strerror(errno));
    return 1;
  }
  // readdir on a descriptor of its own, so that root stays usable for openat().
  int list_fd = ::openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = list_fd < 0 ? nullptr : ::fdopendir(list_fd);
  if (dir == nullptr) {
    std::fprintf(stderr, "scan-floor: opendir %s: %s\n", proc, std::strerror(errno));
    return 1;
  }
  static char buf[kReadSize];
  char path[sizeof(dirent::d_name) + 16];
  unsigned long processes = 0, gone = 0, failed = 0, bytes = 0;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (!all_digits(entry->d_name)) {
      errno = 0;
      continue;
    }
    std::snprintf(path, sizeof path, "%s/status", entry->d_name);
    int fd = ::openat(root, path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : ::read(fd, buf, sizeof buf);
    int err = n < 0 ? errno : 0;
    if (fd >= 0) ::close(fd);
    struct stat st {};
    std::snprintf(path, sizeof path, "%s/ns/pid", entry->d_name);
    if (err == 0 && ::fstatat(root, path, &st, 0) != 0) err = errno;
    if (err == 0) {
      ++processes;
      bytes += static_cast<unsigned long>(n);
    } else if (vanished(err)) {
      ++gone;
    } else {
      ++failed;
      std::fprintf(stderr, "scan-floor: %s/%s: %s\n", proc, entry->d_name, std::strerror(err));
    }
    errno = 0;
  }
  if (errno != 0) {
    std::fprintf(stderr, "scan-floor: readdir %s: %s\n", proc, std::strerror(errno));
    return 1;
  }
  ::closedir(dir);
  ::close(root);
  std::printf("%lu processes, %lu vanished, %lu status bytes\n", processes, gone, bytes);
  return failed == 0 ? 0 : 1;
}
