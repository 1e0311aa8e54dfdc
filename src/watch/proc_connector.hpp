// proc_connector: the kernel's process events (netlink NETLINK_CONNECTOR, group CN_IDX_PROC):
// the codec of its messages, pure and tested on byte buffers, and the socket that carries them.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "kernel/sys.hpp"

namespace pidns {

/// One process event (struct proc_event of include/uapi/linux/cn_proc.h), reduced to what
/// --watch uses. PIDs are as the initial PID namespace numbers them.
struct ProcEvent {
  enum class Kind { Ack, Fork, Exec, Exit };
  Kind kind = Kind::Ack;
  /// When it happened: ktime_get_ns(), i.e. CLOCK_MONOTONIC in nanoseconds.
  std::uint64_t timestamp_ns = 0;
  /// Fork: the child's thread id; Exec, Exit: the thread's id.
  pid_t pid = 0;
  /// Fork: the child's thread-group id (== pid for a process, not a thread); Exec, Exit: the
  /// thread group's.
  pid_t tgid = 0;
  pid_t parent_tgid = 0;        ///< Fork: the process that forked
  std::uint32_t ack_error = 0;  ///< Ack: 0 when the kernel took the request
  /// Ack: the cn_msg ack field, the request's own plus one. The kernel multicasts its answer to
  /// every listener, so this tells our answer from another subscriber's.
  std::uint32_t ack = 0;
  friend bool operator==(const ProcEvent&, const ProcEvent&) = default;
};

/// The events subscribed to: fork, exec and exit (PROC_EVENT_FORK | EXEC | EXIT).
inline constexpr std::uint32_t kWatchedProcEvents = 0x00000001u | 0x00000002u | 0x80000000u;

/// Decodes what one recv(2) returned: netlink messages, each a struct cn_msg with a struct
/// proc_event inside. Appends one ProcEvent per message to `out`. Messages for another
/// connector index, of another kind (uid, comm, ...), truncated or malformed, are skipped: never
/// throws except std::bad_alloc.
void decode_proc_events(std::span<const std::byte> datagram, std::vector<ProcEvent>& out);

/// The netlink message that subscribes to (listen) or unsubscribes from (!listen) the process
/// events. With `events` nonzero it is Linux 6.6's filtered form (struct proc_input: the op and
/// an event mask), which older kernels ignore without an answer; with 0 it is the plain op, which
/// every kernel acknowledges with a PROC_EVENT_NONE message, but only to a caller in the initial
/// user and PID namespaces (cn_proc_mcast_ctl() ignores everyone else).
/// `cookie` goes in the cn_msg ack field; the answer carries cookie + 1.
[[nodiscard]] std::vector<std::byte> encode_subscription(bool listen, std::uint32_t events,
                                                         std::uint32_t cookie);

/// A NETLINK_CONNECTOR socket bound to CN_IDX_PROC and subscribed to fork, exec and exit.
/// Unsubscribes and closes on destruction.
class ProcConnector {
 public:
  /// Opens and binds the socket; `receive_buffer` bytes (0: the kernel's default) as its
  /// receive buffer. Throws SysError naming the call that failed.
  explicit ProcConnector(int receive_buffer);
  ProcConnector(const ProcConnector&) = delete;
  ProcConnector& operator=(const ProcConnector&) = delete;
  ~ProcConnector();

  /// Subscribes. Returns false when the kernel did not acknowledge within `timeout_ms`: it
  /// ignores subscriptions from outside the initial user and PID namespaces, and a kernel
  /// without CONFIG_PROC_EVENTS never answers. Events queued before the answer are dropped:
  /// they happened before the scan that follows. Throws SysError.
  [[nodiscard]] bool subscribe(int timeout_ms);

  enum class Received { Empty, Events, Overrun };
  /// Reads what is queued, without blocking, at most `max_datagrams` messages, appending the
  /// events to `out`. Overrun: the kernel dropped messages (ENOBUFS: the receive buffer was
  /// full); some events may have been appended before it was noticed. Throws SysError.
  [[nodiscard]] Received receive(std::vector<ProcEvent>& out, std::size_t max_datagrams = 256);

  /// Sets the receive buffer to `bytes` (the kernel doubles it, and has a minimum of about
  /// 2 KiB: a few events). Throws SysError.
  void set_receive_buffer(int bytes);

  [[nodiscard]] int fd() const noexcept { return fd_.get(); }

 private:
  bool send(const std::vector<std::byte>& message);

  struct Batch;  // recvmmsg(2) buffers, allocated once
  UniqueFd fd_;
  std::unique_ptr<Batch> batch_;
  std::uint32_t cookie_ = 0;
  bool subscribed_ = false;
};

}  // namespace pidns
