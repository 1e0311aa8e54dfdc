// bpf_tasks: the BPF task iterator (bpf/task_iter.bpf.c): every process of the caller's PID
// namespace in one pass of read(2), where the kernel, the build and the caller's privileges
// allow it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "scan/bpf_records.hpp"

namespace pidns {

/// Whether this binary carries the BPF program (meson feature `bpf`: clang with the BPF target,
/// libbpf's headers and bpftool were found at build time).
[[nodiscard]] bool bpf_built_in() noexcept;

/// "CAP_BPF and CAP_PERFMON", "CAP_BPF", "CAP_PERFMON": what an effective capability set lacks
/// to load the program; empty if nothing. CAP_SYS_ADMIN stands in for either (bpf_capable(),
/// perfmon_capable() in the kernel).
[[nodiscard]] std::string missing_bpf_capabilities(std::uint64_t effective);

/// Whether a kernel release as uname(2) gives it ("6.1.0-13-amd64") is at least major.minor;
/// false for one that does not begin with two numbers.
[[nodiscard]] bool kernel_release_at_least(std::string_view release, int major, int minor);

/// What a pass over the iterator left out, beside the records it handed on.
struct IteratorPass {
  std::size_t rejected = 0;  ///< records that failed the decoder's checks
  bool incomplete = false;   ///< the last read ended inside a record
  bool unframed = false;     ///< a record could not be framed: nothing after it was decoded
};

/// The BPF program, loaded and attached: each pass walks the tasks again, at the cost of one new
/// iterator file and no new verification. Move-only.
class BpfTaskIterator {
 public:
  BpfTaskIterator(BpfTaskIterator&&) noexcept;
  BpfTaskIterator& operator=(BpfTaskIterator&&) noexcept;
  ~BpfTaskIterator();

  /// Every thread-group leader of the PID namespace pidns-tree runs in (the kernel walks the
  /// namespace of the process that creates the iterator file, by PID), each record handed to
  /// `on_task` as it is decoded, in 64 KiB reads: the whole output is never held. The record is
  /// reused for the next. Throws SysError.
  IteratorPass read(const std::function<void(const TaskRecord&)>& on_task);
  /// read() into one list, for tests and the bpf-tasks tool.
  [[nodiscard]] DecodedTasks read_all();

 private:
  struct Impl;
  explicit BpfTaskIterator(std::unique_ptr<Impl> impl) noexcept;
  /// Loads and attaches the program, once open_task_iterator()'s checks passed: the iterator, or
  /// one line naming the step that failed and why (`explain`: with the verifier's last word, at
  /// the cost of a second load).
  static std::variant<BpfTaskIterator, std::string> load(bool explain);
  friend std::variant<BpfTaskIterator, std::string> open_task_iterator(bool explain);

  std::unique_ptr<Impl> impl_;
};

/// The iterator, loaded and attached, or one line saying why it cannot be used here. Checks,
/// cheapest first: built with the feature; Linux 5.17 or later (the light skeleton's loader
/// needs the kernel's own CO-RE); BTF at /sys/kernel/btf/vmlinux (CO-RE needs it); in the
/// initial user namespace (capabilities count nowhere else, and UIDs are the kernel's); CAP_BPF
/// and CAP_PERFMON in CapEff; then whatever loading and attaching say (`explain`: with the
/// verifier's last word). Never throws but std::bad_alloc.
[[nodiscard]] std::variant<BpfTaskIterator, std::string> open_task_iterator(bool explain = true);

}  // namespace pidns
