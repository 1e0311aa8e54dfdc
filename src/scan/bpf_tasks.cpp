// bpf_tasks: whether the BPF task iterator can be used here, checked cheapest first, each
// refusal one line. The loading itself is in bpf_iterator.cpp (or its stub).
#include "scan/bpf_tasks.hpp"

#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pidns {
namespace {

// PROC_USER_INIT_INO (include/linux/proc_ns.h): the initial user namespace's fixed inode.
constexpr ino_t kInitialUserNsIno = 0xEFFFFFFDu;

std::optional<std::uint64_t> effective_capabilities() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  // capget(2) without libcap: glibc has no wrapper, and this is the one call made.
  if (::syscall(SYS_capget, &header, data) != 0) return std::nullopt;
  return std::uint64_t{data[0].effective} | std::uint64_t{data[1].effective} << 32;
}

// The first condition that rules the iterator out before trying to load it, or "".
std::string precheck() {
  if (!bpf_built_in()) {
    return "built without the BPF task iterator (meson feature 'bpf' needs clang with the BPF "
           "target, libbpf and bpftool)";
  }
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
  std::optional<std::uint64_t> caps = effective_capabilities();
  if (!caps) return std::string("capget: ") + std::strerror(errno);
  std::string missing = missing_bpf_capabilities(*caps);
  if (!missing.empty()) return "no " + missing + " in the effective capabilities (CapEff)";
  return {};
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

std::variant<BpfTaskIterator, std::string> open_task_iterator() {
  std::string refusal = precheck();
  if (!refusal.empty()) return refusal;
  return BpfTaskIterator::load();
}

std::optional<std::string> task_iterator_unusable() {
  auto opened = open_task_iterator();
  if (std::string* why = std::get_if<std::string>(&opened)) return std::move(*why);
  return std::nullopt;
}

}  // namespace pidns
