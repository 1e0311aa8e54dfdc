// bpf_tasks: the BPF task iterator (bpf/task_iter.bpf.c): every process of the caller's PID
// namespace in one read(2), where the kernel, the build and the caller's privileges allow it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "scan/bpf_records.hpp"

namespace pidns {

/// Whether this binary carries the BPF program (meson feature `bpf`: clang with the BPF target,
/// libbpf and bpftool were found at build time).
[[nodiscard]] bool bpf_built_in() noexcept;

/// CAP_BPF and CAP_PERFMON (include/uapi/linux/capability.h, Linux 5.8), which loading an
/// iter/task program needs; CAP_SYS_ADMIN stands in for either (bpf_capable(), perfmon_capable()).
inline constexpr int kCapBpf = 39;
inline constexpr int kCapPerfmon = 38;
inline constexpr int kCapSysAdmin = 21;

/// "CAP_BPF and CAP_PERFMON", "CAP_BPF", "CAP_PERFMON": what an effective capability set lacks
/// to load the program; empty if nothing.
[[nodiscard]] std::string missing_bpf_capabilities(std::uint64_t effective);

/// The BPF program, loaded and attached: each read() walks the tasks again, at the cost of one
/// new iterator file and no new verification. Move-only.
class BpfTaskIterator {
 public:
  BpfTaskIterator(BpfTaskIterator&&) noexcept;
  BpfTaskIterator& operator=(BpfTaskIterator&&) noexcept;
  ~BpfTaskIterator();

  /// Every thread-group leader of the PID namespace pidns-tree runs in (the kernel walks the
  /// namespace of the process that creates the iterator file, by PID), decoded as it comes;
  /// DecodedTasks counts what failed the decoder's checks. Throws SysError.
  [[nodiscard]] DecodedTasks read();

 private:
  struct Impl;
  explicit BpfTaskIterator(std::unique_ptr<Impl> impl) noexcept;
  /// Loads and attaches the program, once open_task_iterator()'s checks passed: the iterator, or
  /// the one line libbpf's first complaint (or errno) gives.
  static std::variant<BpfTaskIterator, std::string> load();
  friend std::variant<BpfTaskIterator, std::string> open_task_iterator();

  std::unique_ptr<Impl> impl_;
};

/// The iterator, loaded and attached, or one line saying why it cannot be used here. Checks,
/// cheapest first: built with the feature; BTF at /sys/kernel/btf/vmlinux (CO-RE needs it); in
/// the initial user namespace (capabilities count nowhere else); CAP_BPF and CAP_PERFMON in
/// CapEff; then whatever loading and attaching say. Never throws but std::bad_alloc.
[[nodiscard]] std::variant<BpfTaskIterator, std::string> open_task_iterator();

/// Why the iterator cannot be used here (open_task_iterator()'s line), or nullopt if it can.
[[nodiscard]] std::optional<std::string> task_iterator_unusable();

}  // namespace pidns
