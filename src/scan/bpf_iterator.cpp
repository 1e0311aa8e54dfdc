// bpf_iterator: loads the BPF task iterator through libbpf and its generated skeleton
// (task_iter.skel.h, which embeds the compiled bpf/task_iter.bpf.c), and reads it. Built only
// with the meson feature `bpf`; bpf_iterator_none.cpp stands in otherwise.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

#include "kernel/sys.hpp"
#include "scan/bpf_tasks.hpp"
#include "task_iter.skel.h"

namespace pidns {
namespace {

// libbpf prints its complaints to stderr unless told otherwise. pidns-tree prints one line per
// problem, so the first warning of a load is kept for that line and the rest (the verifier's
// log among them) dropped. Loads run on one thread, one at a time.
std::string first_warning;

int keep_first_warning(libbpf_print_level level, const char* format, va_list args) {
  if (level != LIBBPF_WARN || !first_warning.empty()) return 0;
  char line[512];
  std::vsnprintf(line, sizeof(line), format, args);
  // Advice, not the failure: libbpf then loads anyway, and a kernel that needs the limit (one
  // before Linux 5.11, which charges BPF memory to RLIMIT_MEMLOCK) says so with the load's error.
  if (std::strstr(line, "RLIMIT_MEMLOCK") != nullptr) return 0;
  first_warning = line;
  while (!first_warning.empty() && first_warning.back() == '\n') first_warning.pop_back();
  if (first_warning.starts_with("libbpf: ")) first_warning.erase(0, 8);
  return 0;
}

// Why a libbpf call failed: its first warning if it gave one, else errno's text.
std::string libbpf_failure(std::string_view what, int err) {
  return std::string(what) + ": " + (first_warning.empty() ? std::strerror(err) : first_warning);
}

// A read(2) returns at most seq_file's buffer (8 pages: 32 KiB on x86_64); twice that leaves
// room for a partial record carried over, should a kernel ever split one.
constexpr std::size_t kChunk = 64 * 1024;

}  // namespace

struct BpfTaskIterator::Impl {
  pidns_task_iter* skel = nullptr;
  std::vector<char> buf = std::vector<char>(kChunk);
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { pidns_task_iter::destroy(skel); }  // detaches, unloads, closes every fd
};

bool bpf_built_in() noexcept { return true; }

BpfTaskIterator::BpfTaskIterator(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
BpfTaskIterator::BpfTaskIterator(BpfTaskIterator&&) noexcept = default;
BpfTaskIterator& BpfTaskIterator::operator=(BpfTaskIterator&&) noexcept = default;
BpfTaskIterator::~BpfTaskIterator() = default;

std::variant<BpfTaskIterator, std::string> BpfTaskIterator::load() {
  first_warning.clear();
  libbpf_print_fn_t previous = libbpf_set_print(keep_first_warning);
  auto impl = std::make_unique<Impl>();
  std::string failure;
  impl->skel = pidns_task_iter::open_and_load();
  if (impl->skel == nullptr) {
    failure = libbpf_failure("loading the BPF task iterator", errno);
  } else if (pidns_task_iter::attach(impl->skel) != 0) {
    failure = libbpf_failure("attaching the BPF task iterator", errno);
  }
  libbpf_set_print(previous);
  if (!failure.empty()) return failure;
  return BpfTaskIterator(std::move(impl));
}

DecodedTasks BpfTaskIterator::read() {
  UniqueFd iter(::bpf_iter_create(::bpf_link__fd(impl_->skel->links.pidns_tasks)));
  if (!iter) throw SysError(errno, "bpf_iter_create for the BPF task iterator");
  const std::size_t record = task_record_size();
  std::vector<char>& buf = impl_->buf;
  std::size_t have = 0;  // bytes in buf: less than one record between reads
  DecodedTasks out;
  for (;;) {
    ssize_t n = ::read(iter.get(), buf.data() + have, buf.size() - have);
    // EAGAIN: a million tasks in a row gave no record (bpf_seq_read's MAX_ITER_OBJECTS).
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) throw SysError(errno, "read the BPF task iterator");
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
    std::size_t whole = have - have % record;
    append_task_records({buf.data(), whole}, out);
    std::memmove(buf.data(), buf.data() + whole, have - whole);
    have -= whole;
  }
  out.truncated = have != 0;
  return out;
}

}  // namespace pidns
