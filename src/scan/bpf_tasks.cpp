// bpf_tasks: whether the BPF task iterator can be used here, checked cheapest first, each
// refusal one line. The loading itself is in bpf_iterator.cpp (or its stand-in).
#include "scan/bpf_tasks.hpp"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "kernel/nsfs.hpp"
#include "kernel/procfs.hpp"
#include "kernel/sys.hpp"

namespace pidns {
namespace {

// The light skeleton's loader program asks the kernel to relocate the program's CO-RE accesses
// (BPF_PROG_LOAD with core_relos), which Linux 5.17 added.
constexpr int kMinMajor = 5, kMinMinor = 17;

std::string kernel_refusal() {
  struct utsname u {};
  if (::uname(&u) != 0 || kernel_release_at_least(u.release, kMinMajor, kMinMinor)) return {};
  return "Linux " + std::to_string(kMinMajor) + "." + std::to_string(kMinMinor) +
         " or later needed (the loader relocates the program in the kernel); this is " + u.release;
}

std::string capability_refusal() {
  std::optional<std::uint64_t> caps;
  try {
    caps = own_effective_capabilities();
  } catch (const SysError& e) {
    return std::string("cannot tell the capabilities: ") + e.what();
  }
  if (!caps) return "cannot tell the capabilities: no CapEff in /proc/self/status";
  std::string missing = missing_bpf_capabilities(*caps);
  if (!missing.empty()) return "no " + missing + " in the effective capabilities (CapEff)";
  return {};
}

// The first condition that rules the iterator out before trying to load it, or "".
std::string precheck() {
  if (!bpf_built_in()) {
    return "built without the BPF task iterator (meson feature 'bpf' needs clang with the BPF "
           "target, libbpf's headers and bpftool)";
  }
  if (std::string refusal = kernel_refusal(); !refusal.empty()) return refusal;
  constexpr const char* kBtf = "/sys/kernel/btf/vmlinux";
  if (::access(kBtf, R_OK) != 0) {
    return std::string("no BTF at ") + kBtf + ": " + std::strerror(errno) +
           " (CO-RE needs a kernel built with CONFIG_DEBUG_INFO_BTF)";
  }
  // Without /proc the load below still says EPERM; with it, this says why.
  struct stat st {};
  if (::stat("/proc/self/ns/user", &st) == 0 && st.st_ino != kInitialUserNsIno) {
    return "not in the initial user namespace, where alone CAP_BPF and CAP_PERFMON count";
  }
  return capability_refusal();
}

}  // namespace

std::string missing_bpf_capabilities(std::uint64_t effective) {
  auto has = [effective](int cap) {
    return ((effective >> cap) & 1u) != 0 || ((effective >> kCapSysAdmin) & 1u) != 0;
  };
  if (!has(kCapBpf) && !has(kCapPerfmon)) return "CAP_BPF and CAP_PERFMON";
  if (!has(kCapBpf)) return "CAP_BPF";
  if (!has(kCapPerfmon)) return "CAP_PERFMON";
  return {};
}

bool kernel_release_at_least(std::string_view release, int major, int minor) {
  int got_major = 0, got_minor = 0;
  std::string_view::size_type dot = release.find('.');
  if (dot == std::string_view::npos || !parse_decimal(release.substr(0, dot), got_major)) {
    return false;
  }
  release.remove_prefix(dot + 1);
  std::string_view::size_type end = release.find_first_not_of("0123456789");
  if (!parse_decimal(release.substr(0, end), got_minor)) return false;
  return got_major > major || (got_major == major && got_minor >= minor);
}

std::variant<BpfTaskIterator, std::string> open_task_iterator(bool explain) {
  std::string refusal = precheck();
  if (!refusal.empty()) return refusal;
  return BpfTaskIterator::load(explain);
}

DecodedTasks BpfTaskIterator::read_all() {
  DecodedTasks out;
  IteratorPass pass = read([&out](const TaskRecord& t) { out.tasks.push_back(t); });
  out.rejected = pass.rejected;
  out.incomplete = pass.incomplete;
  out.unframed = pass.unframed;
  return out;
}

}  // namespace pidns
