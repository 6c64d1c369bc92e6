// NtpSourceDriver: one upstream NTP server as a time source. Each poll is one client-mode
// exchange on its own UDP socket (an ephemeral port, not connected: only datagrams from the
// server's address and port count): t1 is the kernel's software transmit timestamp and
// t4 its receive timestamp, both mapped through Clock::from_system_realtime (so a shifted
// test clock shifts them as it shifts clock reads); where the kernel gives no transmit
// timestamp, t1 is the clock read right before sending. The reply is checked (origin, mode, KoD,
// unsynchronized server) before it becomes a sync::Sample.
//
// The daemon drives it as a SocketExchange from its own event loop; poll() is the same
// exchange done blocking (at most `timeout`), for callers without a loop.
//
// Thread safety: one poll at a time (SourceDriver contract).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "io/datagram_batch.h"
#include "io/socket_address.h"
#include "io/udp_socket.h"
#include "kairos/clock.h"
#include "kairos/ntp/packet.h"
#include "sources/source_driver.h"

namespace kairos::sources {

class NtpSourceDriver final : public SourceDriver, public SocketExchange {
 public:
  // `name` is what status shows ("time.example (192.0.2.1:123)" for a pool member).
  NtpSourceDriver(io::SocketAddress server, std::string name, const Clock& clock,
                  Duration timeout = std::chrono::seconds(1));
  std::string name() const override { return name_; }
  // RFC 5905 §7.3: the server's IPv4 address; for IPv6 the first four bytes of a digest of
  // the address.
  std::uint32_t reference_id() const override;
  bool blocking() const override { return true; }
  void poll(const sync::SampleParams& params, std::function<void(PollResult)> done) override;
  SocketExchange* socket_exchange() override { return this; }

  // One exchange, blocking: the sample, or why there is none.
  Result<sync::Sample> exchange(const sync::SampleParams& params);
  // The reply the newest sample came from, as decoded (version, precision and the
  // server's timestamps, which a Sample does not keep); default-constructed before any.
  const ntp::NtpPacket& last_reply() const { return reply_; }

  // SocketExchange.
  Status send_request(const sync::SampleParams& params) override;
  int wait_fd() const override { return socket_.fd(); }
  std::optional<PollResult> on_readable() override;
  PollResult on_timeout() override;
  Duration timeout() const override { return timeout_; }

 private:
  // The sample of the reply among the datagrams just received, or why the poll failed
  // (a KoD, an unsynchronized server); nullopt when none answers our request.
  std::optional<Result<sync::Sample>> take_reply(std::size_t received);
  // t1 for a request sent after the clock read `sent` whose reply came at t4: the
  // kernel's transmit timestamp if it has one between the two, else `sent`.
  UnixTime transmit_time(UnixTime sent, UnixTime t4);
  // The ICMP error (port unreachable, ...) the request drew, if one came: no reply will.
  std::optional<Status> icmp_failure();
  // Keeps the kernel's transmit timestamp of the request in progress, if it came, and the
  // ICMP error the request drew, if any (both from the socket's error queue).
  void collect_tx_timestamp();

  io::SocketAddress server_;
  std::string name_;
  const Clock& clock_;
  Duration timeout_;
  io::UdpSocket socket_;
  io::ReceiveBatch rx_{4, 2048};
  // The request in progress.
  sync::SampleParams params_;
  ntp::NtpPacket request_;
  ntp::NtpPacket reply_;  // of the newest sample
  UnixTime sent_{};
  std::optional<UnixTime> tx_kernel_;
  int icmp_errno_ = 0;  // an ICMP error about the request in progress (port unreachable, ...)
  Status last_error_;  // why the datagrams seen so far were not the reply
};

// One driver per address of each "HOST[:PORT]" (a name with several addresses acts as a
// pool). Errors name the entry that did not resolve.
Result<std::vector<std::unique_ptr<NtpSourceDriver>>> ntp_drivers_for(const std::string& entry,
                                                                       const Clock& clock);

}  // namespace kairos::sources
