// proc_connector: the codec of the kernel's process events and the netlink socket that carries
// them (Documentation/driver-api/connector.rst, drivers/connector/cn_proc.c).
#include "watch/proc_connector.hpp"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>

namespace pidns {
namespace {

// struct proc_input of Linux 6.6 (include/uapi/linux/cn_proc.h), newer than Debian 12's header:
// the op and a mask of the events wanted. Older kernels take only the op, alone.
struct ProcInput {
  std::uint32_t mcast_op;
  std::uint32_t event_type;
};

constexpr std::size_t kEventDataOffset = offsetof(proc_event, event_data);

template <typename T>
T load(const std::byte* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

// One cn_msg (the payload of one netlink message).
void decode_cn_msg(const std::byte* data, std::size_t size, std::vector<ProcEvent>& out) {
  if (size < sizeof(cn_msg)) return;
  auto msg = load<cn_msg>(data);
  if (msg.id.idx != CN_IDX_PROC || msg.id.val != CN_VAL_PROC) return;
  if (msg.len > size - sizeof(cn_msg) || msg.len < kEventDataOffset) return;
  // A zeroed proc_event with what the kernel sent copied over it: a shorter event (an older
  // kernel's) leaves the fields it lacks at zero; a longer one is cut to what we know.
  proc_event ev;
  std::memset(&ev, 0, sizeof ev);
  std::memcpy(&ev, data + sizeof(cn_msg), std::min<std::size_t>(msg.len, sizeof ev));
  std::size_t have = msg.len - kEventDataOffset;
  ProcEvent e;
  e.timestamp_ns = ev.timestamp_ns;
  switch (ev.what) {
    case proc_event::PROC_EVENT_NONE:
      if (have < sizeof ev.event_data.ack) return;
      e.kind = ProcEvent::Kind::Ack;
      e.ack_error = ev.event_data.ack.err;
      e.ack = msg.ack;
      break;
    case proc_event::PROC_EVENT_FORK:
      if (have < sizeof ev.event_data.fork) return;
      e.kind = ProcEvent::Kind::Fork;
      e.pid = ev.event_data.fork.child_pid;
      e.tgid = ev.event_data.fork.child_tgid;
      e.parent_tgid = ev.event_data.fork.parent_tgid;
      break;
    case proc_event::PROC_EVENT_EXEC:
      if (have < sizeof ev.event_data.exec) return;
      e.kind = ProcEvent::Kind::Exec;
      e.pid = ev.event_data.exec.process_pid;
      e.tgid = ev.event_data.exec.process_tgid;
      break;
    case proc_event::PROC_EVENT_EXIT:
      // Only the ids are needed: the parent fields came later (Linux 4.x).
      if (have < 2 * sizeof(__kernel_pid_t)) return;
      e.kind = ProcEvent::Kind::Exit;
      e.pid = ev.event_data.exit.process_pid;
      e.tgid = ev.event_data.exit.process_tgid;
      break;
    default:
      return;
  }
  out.push_back(e);
}

}  // namespace

void decode_proc_events(std::span<const std::byte> datagram, std::vector<ProcEvent>& out) {
  std::size_t offset = 0;
  while (datagram.size() - offset >= sizeof(nlmsghdr)) {
    auto header = load<nlmsghdr>(datagram.data() + offset);
    std::size_t length = header.nlmsg_len;
    if (length < NLMSG_HDRLEN || length > datagram.size() - offset) break;
    // cn_netlink_send_mult() sends every message as NLMSG_DONE; errors, no-ops and overrun
    // notices carry no event.
    if (header.nlmsg_type == NLMSG_DONE) {
      decode_cn_msg(datagram.data() + offset + NLMSG_HDRLEN, length - NLMSG_HDRLEN, out);
    }
    offset += NLMSG_ALIGN(length);
    if (offset >= datagram.size()) break;
  }
}

std::vector<std::byte> encode_subscription(bool listen, std::uint32_t events,
                                           std::uint32_t cookie) {
  std::uint32_t op = listen ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE;
  ProcInput input{op, events};
  std::size_t payload = events != 0 ? sizeof input : sizeof op;
  std::size_t size = NLMSG_LENGTH(sizeof(cn_msg) + payload);
  std::vector<std::byte> message(NLMSG_ALIGN(size));
  nlmsghdr header{};
  header.nlmsg_len = static_cast<std::uint32_t>(size);
  header.nlmsg_type = NLMSG_DONE;
  cn_msg msg{};
  msg.id.idx = CN_IDX_PROC;
  msg.id.val = CN_VAL_PROC;
  msg.ack = cookie;
  msg.len = static_cast<std::uint16_t>(payload);
  std::memcpy(message.data(), &header, sizeof header);
  std::memcpy(message.data() + NLMSG_HDRLEN, &msg, sizeof msg);
  std::byte* data = message.data() + NLMSG_HDRLEN + sizeof msg;
  if (events != 0) {
    std::memcpy(data, &input, sizeof input);
  } else {
    std::memcpy(data, &op, sizeof op);
  }
  return message;
}

namespace {

// recvmmsg(2) slots: a proc event message is 76 bytes; anything larger than a slot is not one.
constexpr std::size_t kSlotSize = 512;
constexpr std::size_t kSlots = 64;

}  // namespace

struct ProcConnector::Batch {
  std::array<std::array<std::byte, kSlotSize>, kSlots> data;
  std::array<iovec, kSlots> iov;
  std::array<sockaddr_nl, kSlots> from;
  std::array<mmsghdr, kSlots> msgs;
};

ProcConnector::ProcConnector(int receive_buffer)
    : fd_(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR)),
      batch_(std::make_unique<Batch>()) {
  if (!fd_) throw SysError(errno, "socket NETLINK_CONNECTOR");
  if (receive_buffer > 0) set_receive_buffer(receive_buffer);
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = CN_IDX_PROC;
  if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw SysError(errno, "bind NETLINK_CONNECTOR CN_IDX_PROC");
  }
}

void ProcConnector::set_receive_buffer(int bytes) {
  // SO_RCVBUFFORCE passes net.core.rmem_max, and needs CAP_NET_ADMIN; SO_RCVBUF is capped.
  if (::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0 &&
      ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes) != 0) {
    throw SysError(errno, "setsockopt SO_RCVBUF");
  }
}

ProcConnector::~ProcConnector() {
  // Before Linux 6.6 the kernel counts listeners only by these messages, and keeps generating
  // events for a listener that closed without saying so.
  if (subscribed_) (void)send(encode_subscription(false, 0, cookie_ + 4));
}

bool ProcConnector::send(const std::vector<std::byte>& message) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t n;
  do {
    n = ::sendto(fd_.get(), message.data(), message.size(), 0,
                 reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(message.size());
}

bool ProcConnector::subscribe(int timeout_ms) {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  cookie_ = static_cast<std::uint32_t>(::getpid()) * 2654435761u ^
            static_cast<std::uint32_t>(now.tv_nsec);
  if (!send(encode_subscription(true, 0, cookie_)))
    throw SysError(errno, "send PROC_CN_MCAST_LISTEN");
  subscribed_ = true;
  // The kernel handles the request in our sendto() and multicasts its answer at once; wait a
  // little all the same, reading past events (and other subscribers' answers) queued before it.
  std::vector<ProcEvent> events;
  bool acknowledged = false;
  int waited = 0;
  constexpr int kStep = 10;
  while (!acknowledged) {
    events.clear();
    Received r = receive(events, 4096);
    for (const ProcEvent& e : events) {
      if (e.kind == ProcEvent::Kind::Ack && e.ack == cookie_ + 1) {
        if (e.ack_error != 0) return false;
        acknowledged = true;
      }
    }
    if (acknowledged || r != Received::Empty) continue;
    if (waited >= timeout_ms) return false;
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, kStep) < 0 && errno != EINTR) throw SysError(errno, "poll");
    waited += kStep;
  }
  // Linux 6.6 can filter events for us: only fork, exec and exit, not uid, gid, sid, comm,
  // ptrace or coredump. Older kernels ignore this form; decode_proc_events() skips the rest.
  (void)send(encode_subscription(true, kWatchedProcEvents, cookie_ + 2));
  return true;
}

ProcConnector::Received ProcConnector::receive(std::vector<ProcEvent>& out,
                                               std::size_t max_datagrams) {
  Batch& b = *batch_;
  bool overrun = false;
  bool any = false;
  std::size_t read = 0;
  while (read < max_datagrams) {
    for (std::size_t i = 0; i < kSlots; ++i) {
      b.iov[i] = {b.data[i].data(), kSlotSize};
      b.msgs[i] = {};
      b.msgs[i].msg_hdr.msg_iov = &b.iov[i];
      b.msgs[i].msg_hdr.msg_iovlen = 1;
      b.msgs[i].msg_hdr.msg_name = &b.from[i];
      b.msgs[i].msg_hdr.msg_namelen = sizeof b.from[i];
    }
    int n = ::recvmmsg(fd_.get(), b.msgs.data(), kSlots, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {  // netlink_overrun(): messages were dropped; the queue goes on
        overrun = true;
        continue;
      }
      throw SysError(errno, "recvmmsg NETLINK_CONNECTOR");
    }
    for (int i = 0; i < n; ++i) {
      const msghdr& h = b.msgs[static_cast<std::size_t>(i)].msg_hdr;
      // Only the kernel (port 0) speaks for the connector; a truncated message is no event.
      if ((h.msg_flags & MSG_TRUNC) != 0 || b.from[static_cast<std::size_t>(i)].nl_pid != 0) {
        continue;
      }
      decode_proc_events(std::span<const std::byte>(b.data[static_cast<std::size_t>(i)].data(),
                                                    b.msgs[static_cast<std::size_t>(i)].msg_len),
                         out);
      any = true;
    }
    read += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < kSlots) break;  // the queue is empty
  }
  return overrun ? Received::Overrun : any ? Received::Events : Received::Empty;
}

}  // namespace pidns
