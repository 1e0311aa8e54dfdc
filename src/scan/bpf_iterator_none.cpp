// bpf_iterator_none: stands in for bpf_iterator.cpp where meson's feature `bpf` is off (no clang
// with the BPF target, libbpf's headers or bpftool at build time): the iterator is never usable,
// and open_task_iterator() says that this build is why.
#include "scan/bpf_tasks.hpp"

namespace pidns {

struct BpfTaskIterator::Impl {};

bool bpf_built_in() noexcept { return false; }

BpfTaskIterator::BpfTaskIterator(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
BpfTaskIterator::BpfTaskIterator(BpfTaskIterator&&) noexcept = default;
BpfTaskIterator& BpfTaskIterator::operator=(BpfTaskIterator&&) noexcept = default;
BpfTaskIterator::~BpfTaskIterator() = default;

std::variant<BpfTaskIterator, std::string> BpfTaskIterator::load(bool) {
  return std::string("built without the BPF task iterator");  // open_task_iterator() says so
}

IteratorPass BpfTaskIterator::read(const std::function<void(const TaskRecord&)>&) {
  return {};  // unreachable: none is ever made
}

}  // namespace pidns
