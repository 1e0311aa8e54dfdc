// fuzz_proc_events: libFuzzer target for decode_proc_events(), which reads what a netlink socket
// hands over. It must never crash or read outside the datagram (ASan), and every event it
// returns must be of a kind it documents.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "watch/proc_connector.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A copy of exactly `size` bytes, so that ASan sees any read past the end.
  std::vector<std::byte> datagram(size);
  for (std::size_t i = 0; i < size; ++i) datagram[i] = static_cast<std::byte>(data[i]);
  std::vector<pidns::ProcEvent> events;
  pidns::decode_proc_events(datagram, events);
  // A message is at least a netlink header, a cn_msg and the fixed part of a proc_event.
  if (events.size() > size / 52) std::abort();
  for (const pidns::ProcEvent& e : events) {
    switch (e.kind) {
      case pidns::ProcEvent::Kind::Ack:
      case pidns::ProcEvent::Kind::Fork:
      case pidns::ProcEvent::Kind::Exec:
      case pidns::ProcEvent::Kind::Exit:
        break;
      default:
        std::abort();
    }
  }
  return 0;
}
