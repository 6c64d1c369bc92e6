// The NTP packet decoder and the responder's reply builder read outside bytes: any
// datagram gives a packet or an error with a message (never a crash), a reply is built
// only for a decodable request, and it is never longer than the request.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "kairos/clock_snapshot.h"
#include "kairos/ntp/packet.h"
#include "server/reply_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  kairos::Result<kairos::ntp::DecodedPacket> d = kairos::ntp::decode_packet(bytes);
  if (!d.ok() && d.status().message().empty()) std::abort();
  if (d.ok()) {
    // Re-encoding the header gives back the first 48 bytes exactly.
    std::uint8_t again[kairos::ntp::kHeaderSize];
    kairos::ntp::encode_header(d->header, again);
    for (std::size_t i = 0; i < kairos::ntp::kHeaderSize; ++i) {
      if (again[i] != data[i]) std::abort();
    }
    for (std::size_t i = 0; i < d->extension_count; ++i) {
      const auto& v = d->extensions[i].value;
      if (v.data() < data || v.data() + v.size() > data + size) std::abort();
    }
  }
  const kairos::UnixTime t(std::chrono::seconds(1'800'000'000));
  const kairos::ClockSnapshot snap = kairos::local_clock_snapshot(t, 10);
  std::uint8_t reply[kairos::ntp::kHeaderSize];
  const auto v = kairos::server::build_reply(bytes, t, snap, t, reply);
  if (v == kairos::server::RequestVerdict::kReply && (!d.ok() || size < sizeof reply)) std::abort();
  return 0;
}
