// bpf_iterator: loads the BPF task iterator through bpftool's light skeleton (bpf_skeleton.c,
// which embeds the compiled bpf/task_iter.bpf.c and the loader the kernel runs), and reads it.
// Built only with the meson feature `bpf`; bpf_iterator_none.cpp stands in otherwise.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kernel/sys.hpp"
#include "scan/bpf_skeleton.h"
#include "scan/bpf_tasks.hpp"

namespace pidns {
namespace {

// The verifier's log, kept only when a load failed and is tried again to say why: its last line
// names what it refused.
constexpr unsigned kLogSize = 64 * 1024;

std::string last_line(const std::vector<char>& log) {
  std::string_view text(log.data(), ::strnlen(log.data(), log.size()));
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::string_view::size_type nl = text.rfind('\n');
  return std::string(nl == std::string_view::npos ? text : text.substr(nl + 1));
}

// A read(2) returns at most seq_file's buffer (8 pages: 32 KiB on x86_64); twice that leaves
// room for a partial record carried over, should a kernel ever split one.
constexpr std::size_t kChunk = 64 * 1024;

}  // namespace

struct BpfTaskIterator::Impl {
  pidns_bpf_iter* iter = nullptr;
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { pidns_bpf_iter_destroy(iter); }  // detaches, unloads, closes every fd
};

bool bpf_built_in() noexcept { return true; }

BpfTaskIterator::BpfTaskIterator(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
BpfTaskIterator::BpfTaskIterator(BpfTaskIterator&&) noexcept = default;
BpfTaskIterator& BpfTaskIterator::operator=(BpfTaskIterator&&) noexcept = default;
BpfTaskIterator::~BpfTaskIterator() = default;

std::variant<BpfTaskIterator, std::string> BpfTaskIterator::load(bool explain) {
  auto impl = std::make_unique<Impl>();
  const char* step = "";
  impl->iter = pidns_bpf_iter_load(nullptr, 0, &step);
  if (impl->iter != nullptr) return BpfTaskIterator(std::move(impl));
  std::string failure = std::string(step) + ": " + std::strerror(errno);
  if (!explain) return failure;
  // Once more with the verifier's log, which costs time only when something is wrong anyway.
  std::vector<char> log(kLogSize, '\0');
  impl->iter = pidns_bpf_iter_load(log.data(), kLogSize, &step);
  if (impl->iter != nullptr) return BpfTaskIterator(std::move(impl));  // it worked this time
  std::string verifier = last_line(log);
  if (!verifier.empty()) failure += " (verifier: " + verifier + ")";
  return failure;
}

IteratorPass BpfTaskIterator::read(const std::function<void(const TaskRecord&)>& on_task) {
  UniqueFd file(pidns_bpf_iter_create(impl_->iter));
  if (!file) throw SysError(errno, "BPF_ITER_CREATE for the BPF task iterator");
  std::vector<char> buf(kChunk);
  std::size_t have = 0;  // bytes in buf: part of one record between reads
  IteratorPass pass;
  TaskRecord task;
  for (;;) {
    ssize_t n = ::read(file.get(), buf.data() + have, buf.size() - have);
    // EAGAIN: a million tasks in a row gave no record (bpf_seq_read's MAX_ITER_OBJECTS).
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) throw SysError(errno, "read the BPF task iterator");
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
    std::string_view bytes(buf.data(), have);
    for (RecordStep step; !pass.unframed; bytes.remove_prefix(step.size)) {
      step = decode_task_record(bytes, task);
      if (step.status == RecordStatus::kIncomplete) break;
      pass.unframed = step.status == RecordStatus::kUnframed;
      if (step.status == RecordStatus::kRejected) ++pass.rejected;
      if (step.status == RecordStatus::kTask) on_task(task);
    }
    if (pass.unframed) return pass;  // what follows cannot be told apart: the caller reads it
    std::memmove(buf.data(), bytes.data(), bytes.size());
    have = bytes.size();
  }
  pass.incomplete = have != 0;
  return pass;
}

}  // namespace pidns
