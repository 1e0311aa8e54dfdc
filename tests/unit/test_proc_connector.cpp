// Tests for the proc connector's codec, on byte buffers laid out as the kernel sends them
// (include/uapi/linux/connector.h, cn_proc.h). The socket itself needs the real kernel: see
// tests/watch/.
#include <gtest/gtest.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include <cstring>
#include <vector>

#include "watch/proc_connector.hpp"

namespace pidns {
namespace {

// One netlink message as cn_netlink_send_mult() builds it: nlmsghdr, cn_msg, proc_event (or
// the first `event_size` bytes of it), padded to NLMSG_ALIGNTO.
std::vector<std::byte> message(const proc_event& ev, std::size_t event_size = sizeof(proc_event),
                               std::uint32_t idx = CN_IDX_PROC, std::uint16_t type = NLMSG_DONE,
                               std::uint32_t ack = 0) {
  std::size_t length = NLMSG_LENGTH(sizeof(cn_msg) + event_size);
  std::vector<std::byte> out(NLMSG_ALIGN(length));
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(length);
  h.nlmsg_type = type;
  cn_msg msg{};
  msg.id.idx = idx;
  msg.id.val = CN_VAL_PROC;
  msg.ack = ack;
  msg.len = static_cast<std::uint16_t>(event_size);
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + NLMSG_HDRLEN, &msg, sizeof msg);
  std::memcpy(out.data() + NLMSG_HDRLEN + sizeof msg, &ev, event_size);
  return out;
}

proc_event fork_event(pid_t parent, pid_t child_pid, pid_t child_tgid, std::uint64_t ts) {
  proc_event ev{};
  ev.what = proc_event::PROC_EVENT_FORK;
  ev.timestamp_ns = ts;
  ev.event_data.fork.parent_pid = parent;
  ev.event_data.fork.parent_tgid = parent;
  ev.event_data.fork.child_pid = child_pid;
  ev.event_data.fork.child_tgid = child_tgid;
  return ev;
}

std::vector<ProcEvent> decode(const std::vector<std::byte>& bytes) {
  std::vector<ProcEvent> out;
  decode_proc_events(bytes, out);
  return out;
}

TEST(DecodeProcEvents, ReadsAFork) {
  std::vector<ProcEvent> got = decode(message(fork_event(100, 4242, 4242, 123456789)));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, ProcEvent::Kind::Fork);
  EXPECT_EQ(got[0].pid, 4242);
  EXPECT_EQ(got[0].tgid, 4242);
  EXPECT_EQ(got[0].parent_tgid, 100);
  EXPECT_EQ(got[0].timestamp_ns, 123456789u);
}

TEST(DecodeProcEvents, ReadsAThreadsForkWithItsOwnIds) {
  std::vector<ProcEvent> got = decode(message(fork_event(100, 4243, 100, 1)));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].pid, 4243);
  EXPECT_EQ(got[0].tgid, 100);
}

TEST(DecodeProcEvents, ReadsExecExitAndAck) {
  proc_event exec{};
  exec.what = proc_event::PROC_EVENT_EXEC;
  exec.event_data.exec.process_pid = 7;
  exec.event_data.exec.process_tgid = 7;
  proc_event exit{};
  exit.what = proc_event::PROC_EVENT_EXIT;
  exit.timestamp_ns = 99;
  exit.event_data.exit.process_pid = 8;
  exit.event_data.exit.process_tgid = 6;
  proc_event ack{};
  ack.what = proc_event::PROC_EVENT_NONE;
  ack.event_data.ack.err = 0;

  std::vector<std::byte> bytes = message(exec);
  for (const auto& m :
       {message(exit), message(ack, sizeof(proc_event), CN_IDX_PROC, NLMSG_DONE, 1235)}) {
    bytes.insert(bytes.end(), m.begin(), m.end());  // several messages in one datagram
  }
  std::vector<ProcEvent> got = decode(bytes);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (ProcEvent{ProcEvent::Kind::Exec, 0, 7, 7, 0, 0, 0}));
  EXPECT_EQ(got[1], (ProcEvent{ProcEvent::Kind::Exit, 99, 8, 6, 0, 0, 0}));
  EXPECT_EQ(got[2].kind, ProcEvent::Kind::Ack);
  EXPECT_EQ(got[2].ack, 1235u);
  EXPECT_EQ(got[2].ack_error, 0u);
}

TEST(DecodeProcEvents, ReadsAnOlderKernelsShorterExit) {
  proc_event exit{};
  exit.what = proc_event::PROC_EVENT_EXIT;
  exit.event_data.exit.process_pid = 8;
  exit.event_data.exit.process_tgid = 8;
  // Before the parent fields: what, cpu, timestamp, pid, tgid, exit_code, exit_signal.
  std::size_t old_size = offsetof(proc_event, event_data) + 4 * sizeof(__u32);
  std::vector<ProcEvent> got = decode(message(exit, old_size));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, ProcEvent::Kind::Exit);
  EXPECT_EQ(got[0].tgid, 8);
}

TEST(DecodeProcEvents, SkipsWhatIsNotAnEventWeWatch) {
  proc_event uid{};
  uid.what = proc_event::PROC_EVENT_UID;
  proc_event comm{};
  comm.what = proc_event::PROC_EVENT_COMM;
  EXPECT_TRUE(decode(message(uid)).empty());
  EXPECT_TRUE(decode(message(comm)).empty());
  // Another connector index, or a netlink error message.
  EXPECT_TRUE(decode(message(fork_event(1, 2, 2, 3), sizeof(proc_event), CN_IDX_PROC + 1)).empty());
  EXPECT_TRUE(decode(message(fork_event(1, 2, 2, 3), sizeof(proc_event), CN_IDX_PROC, NLMSG_ERROR))
                  .empty());
}

TEST(DecodeProcEvents, SkipsTruncatedAndMalformedMessages) {
  std::vector<std::byte> whole = message(fork_event(1, 2, 2, 3));
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    std::vector<std::byte> part(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_TRUE(decode(part).empty()) << "cut at " << cut;
  }
  // A fork cut short inside its own fields, with lengths that say so.
  EXPECT_TRUE(
      decode(message(fork_event(1, 2, 2, 3), offsetof(proc_event, event_data) + 8)).empty());
  // cn_msg.len larger than what follows.
  std::vector<std::byte> lying = whole;
  std::uint16_t len = 0xffff;
  std::memcpy(lying.data() + NLMSG_HDRLEN + offsetof(cn_msg, len), &len, sizeof len);
  EXPECT_TRUE(decode(lying).empty());
  // nlmsg_len larger than the datagram, or smaller than its own header: decoding stops.
  std::vector<std::byte> bad_length = whole;
  std::uint32_t huge = 100000;
  std::memcpy(bad_length.data(), &huge, sizeof huge);
  EXPECT_TRUE(decode(bad_length).empty());
  std::uint32_t tiny = 4;
  std::memcpy(bad_length.data(), &tiny, sizeof tiny);
  EXPECT_TRUE(decode(bad_length).empty());
}

TEST(EncodeSubscription, IsThePlainOpOrTheFilteredForm) {
  std::vector<std::byte> plain = encode_subscription(true, 0, 41);
  ASSERT_EQ(plain.size(), NLMSG_LENGTH(sizeof(cn_msg) + 4));
  nlmsghdr h{};
  std::memcpy(&h, plain.data(), sizeof h);
  EXPECT_EQ(h.nlmsg_len, plain.size());
  EXPECT_EQ(h.nlmsg_type, NLMSG_DONE);
  cn_msg msg{};
  std::memcpy(&msg, plain.data() + NLMSG_HDRLEN, sizeof msg);
  EXPECT_EQ(msg.id.idx, static_cast<__u32>(CN_IDX_PROC));
  EXPECT_EQ(msg.id.val, static_cast<__u32>(CN_VAL_PROC));
  EXPECT_EQ(msg.ack, 41u);
  EXPECT_EQ(msg.len, 4u);
  std::uint32_t op = 0;
  std::memcpy(&op, plain.data() + NLMSG_HDRLEN + sizeof msg, sizeof op);
  EXPECT_EQ(op, static_cast<std::uint32_t>(PROC_CN_MCAST_LISTEN));

  std::vector<std::byte> filtered = encode_subscription(true, kWatchedProcEvents, 43);
  std::memcpy(&msg, filtered.data() + NLMSG_HDRLEN, sizeof msg);
  EXPECT_EQ(msg.len, 8u);  // struct proc_input of Linux 6.6
  std::uint32_t input[2] = {};
  std::memcpy(input, filtered.data() + NLMSG_HDRLEN + sizeof msg, sizeof input);
  EXPECT_EQ(input[0], static_cast<std::uint32_t>(PROC_CN_MCAST_LISTEN));
  EXPECT_EQ(input[1],
            static_cast<std::uint32_t>(proc_event::PROC_EVENT_FORK | proc_event::PROC_EVENT_EXEC |
                                       proc_event::PROC_EVENT_EXIT));

  std::vector<std::byte> ignore = encode_subscription(false, 0, 45);
  std::memcpy(&op, ignore.data() + NLMSG_HDRLEN + sizeof msg, sizeof op);
  EXPECT_EQ(op, static_cast<std::uint32_t>(PROC_CN_MCAST_IGNORE));
}

}  // namespace
}  // namespace pidns
