// NtpSourceDriver as a SocketExchange (how the daemon drives it) against a fake server on a
// loopback socket that this test answers by hand: a reply, a stale datagram before the
// reply, a reply from another address, a closed port, a Kiss-o'-Death, and silence; and
// that the reply a sample came from is kept (last_reply).
#include "sources/ntp_source.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <optional>

#include "kairos/ntp/kiss_code.h"
#include "kairos/ntp/packet.h"

namespace kairos::sources {
namespace {

// A UDP socket on 127.0.0.1 that reads one request and answers it as told.
class FakeServer {
 public:
  FakeServer() {
    Result<io::SocketAddress> any = io::SocketAddress::parse("127.0.0.1:0");
    Result<io::UdpSocket> s = io::UdpSocket::bind(*any, io::UdpOptions{});
    EXPECT_TRUE(s.ok()) << s.status().message();
    socket_ = std::move(*s);
    address_ = *socket_.local_address();
  }
  const io::SocketAddress& address() const { return address_; }
  // Answers go where `asked`'s last request came from (an impostor answering for it).
  void answer_to(const FakeServer& asked) {
    peer_ = asked.peer_;
    peer_length_ = asked.peer_length_;
  }

  // Reads the pending request (waits up to 1 s): its transmit timestamp (our t1 echo).
  std::optional<ntp::NtpPacket> read_request() {
    pollfd p{socket_.fd(), POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) return std::nullopt;
    std::array<std::uint8_t, 512> buf{};
    peer_length_ = sizeof peer_;
    const ssize_t n = recvfrom(socket_.fd(), buf.data(), buf.size(), 0,
                               reinterpret_cast<sockaddr*>(&peer_), &peer_length_);
    if (n != ntp::kHeaderSize) return std::nullopt;
    Result<ntp::NtpPacket> p2 = ntp::decode_header(std::span(buf.data(), ntp::kHeaderSize));
    return p2.ok() ? std::optional(*p2) : std::nullopt;
  }

  // Answers with the server's clock reading `ahead` of this machine's.
  void reply(const ntp::NtpPacket& request, Duration ahead, std::uint8_t stratum = 1,
             std::uint32_t refid = 0x7f000001) {
    ntp::NtpPacket r;
    r.mode = ntp::Mode::kServer;
    r.stratum = stratum;
    r.reference_id = refid;
    r.precision_log2 = -20;
    r.origin_time = request.transmit_time;
    const UnixTime now = SystemClock::instance().realtime() + ahead;
    r.reference_time = NtpTimestamp::from_unix(now);
    r.receive_time = NtpTimestamp::from_unix(now);
    r.transmit_time = NtpTimestamp::from_unix(now);
    send(r);
  }

  void send(const ntp::NtpPacket& p) {
    std::array<std::uint8_t, ntp::kHeaderSize> out{};
    ntp::encode_header(p, out);
    ASSERT_EQ(sendto(socket_.fd(), out.data(), out.size(), 0,
                     reinterpret_cast<const sockaddr*>(&peer_), peer_length_),
              static_cast<ssize_t>(out.size()));
  }

 private:
  io::UdpSocket socket_;
  io::SocketAddress address_;
  sockaddr_storage peer_{};
  socklen_t peer_length_ = 0;
};

Duration magnitude(Duration d) { return d < Duration(0) ? -d : d; }

// Drives an exchange the way the daemon's loop does: waits for the socket to be readable
// (up to `wait_ms` each time) and calls on_readable until it answers.
std::optional<PollResult> drive(SocketExchange& x, int wait_ms = 1000) {
  for (int i = 0; i < 16; ++i) {
    pollfd p{x.wait_fd(), POLLIN, 0};
    if (::poll(&p, 1, wait_ms) != 1) return std::nullopt;
    if (std::optional<PollResult> r = x.on_readable()) return r;
  }
  return std::nullopt;
}

TEST(NtpSourceDriverTest, AnExchangeDrivenByReadinessGivesTheServersOffset) {
  FakeServer server;
  NtpSourceDriver driver(server.address(), "fake", SystemClock::instance());
  SocketExchange* x = driver.socket_exchange();
  ASSERT_NE(x, nullptr);
  ASSERT_TRUE(x->send_request({}).ok());
  const std::optional<ntp::NtpPacket> request = server.read_request();
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->mode, ntp::Mode::kClient);
  server.reply(*request, milliseconds(5));
  const std::optional<PollResult> r = drive(*x);
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->sample.ok()) << r->sample.status().message();
  // The server reads 5 ms ahead: the offset is +5 ms within half the round trip.
  EXPECT_GE(r->sample->delay, Duration(0));
  EXPECT_LE(magnitude(r->sample->offset - milliseconds(5)), r->sample->delay / 2 + microseconds(1));
  EXPECT_LT(r->sample->delay, milliseconds(100));
  // The reply's header is kept for callers that print it (kairos query).
  EXPECT_EQ(driver.last_reply().stratum, 1);
  EXPECT_EQ(driver.last_reply().reference_id, 0x7f000001U);
  EXPECT_EQ(driver.last_reply().mode, ntp::Mode::kServer);
}

TEST(NtpSourceDriverTest, AStaleDatagramIsSkippedAndTheRealReplyStillCounts) {
  FakeServer server;
  NtpSourceDriver driver(server.address(), "fake", SystemClock::instance());
  SocketExchange& x = *driver.socket_exchange();
  ASSERT_TRUE(x.send_request({}).ok());
  std::optional<ntp::NtpPacket> request = server.read_request();
  ASSERT_TRUE(request.has_value());
  ntp::NtpPacket stale = *request;
  stale.transmit_time = NtpTimestamp::from_raw(request->transmit_time.raw() - (1ULL << 32));
  server.reply(stale, milliseconds(-7));  // answers an older request: origin mismatch
  // Until the real reply comes, readiness brings nothing to report.
  pollfd p{x.wait_fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 1000), 1);
  std::optional<PollResult> early = x.on_readable();
  while (!early.has_value() && ::poll(&p, 1, 50) == 1) early = x.on_readable();
  EXPECT_FALSE(early.has_value());
  server.reply(*request, milliseconds(3));
  const std::optional<PollResult> r = drive(x);
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->sample.ok()) << r->sample.status().message();
  EXPECT_LE(magnitude(r->sample->offset - milliseconds(3)), r->sample->delay / 2 + microseconds(1));
  EXPECT_EQ(driver.last_reply().origin_time, request->transmit_time);  // not the stale one's
}

// The socket is not connected, so the driver itself must do what the kernel did for a
// connected one: count only datagrams from the server's address and port.
TEST(NtpSourceDriverTest, AReplyFromAnotherAddressIsIgnoredEvenWithTheRightOrigin) {
  FakeServer server;
  FakeServer impostor;
  NtpSourceDriver driver(server.address(), "fake", SystemClock::instance());
  SocketExchange& x = *driver.socket_exchange();
  ASSERT_TRUE(x.send_request({}).ok());
  std::optional<ntp::NtpPacket> request = server.read_request();
  ASSERT_TRUE(request.has_value());
  impostor.answer_to(server);
  impostor.reply(*request, seconds(100));  // echoes our origin: only its address gives it away
  pollfd p{x.wait_fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 1000), 1);
  EXPECT_FALSE(x.on_readable().has_value());
  const PollResult timed_out = x.on_timeout();  // the poll ends: it says what it saw
  ASSERT_FALSE(timed_out.sample.ok());
  EXPECT_EQ(timed_out.sample.status().message(),
            "a datagram came from " + impostor.address().to_string() + ", not from the server");
  // The next poll, answered by the server, counts.
  ASSERT_TRUE(x.send_request({}).ok());
  request = server.read_request();
  ASSERT_TRUE(request.has_value());
  server.reply(*request, milliseconds(3));
  const std::optional<PollResult> r = drive(x);
  ASSERT_TRUE(r.has_value());
  ASSERT_TRUE(r->sample.ok()) << r->sample.status().message();
  EXPECT_LE(magnitude(r->sample->offset - milliseconds(3)), r->sample->delay / 2 + microseconds(1));
}

// Nothing listens on the server's port: the ICMP port unreachable ends the poll at once
// (the socket is not connected, so it asks for ICMP errors).
TEST(NtpSourceDriverTest, APortThatRefusesEndsThePollAtOnceWithTheReason) {
  io::SocketAddress closed;
  {
    FakeServer gone;
    closed = gone.address();
  }
  NtpSourceDriver driver(closed, "nobody", SystemClock::instance());
  SocketExchange& x = *driver.socket_exchange();
  ASSERT_TRUE(x.send_request({}).ok());
  const std::optional<PollResult> r = drive(x);
  ASSERT_TRUE(r.has_value()) << "the poll waited for its timeout";
  ASSERT_FALSE(r->sample.ok());
  EXPECT_EQ(r->sample.status().message(), "ICMP error: Connection refused");
  // The blocking form says the same.
  const Result<sync::Sample> blocking = driver.exchange({});
  ASSERT_FALSE(blocking.ok());
  EXPECT_EQ(blocking.status().message(), "ICMP error: Connection refused");
}

TEST(NtpSourceDriverTest, AKissOfDeathEndsThePollWithAnError) {
  FakeServer server;
  NtpSourceDriver driver(server.address(), "fake", SystemClock::instance());
  SocketExchange& x = *driver.socket_exchange();
  ASSERT_TRUE(x.send_request({}).ok());
  const std::optional<ntp::NtpPacket> request = server.read_request();
  ASSERT_TRUE(request.has_value());
  server.reply(*request, Duration(0), /*stratum=*/0, ntp::kKissRate);
  const std::optional<PollResult> r = drive(x);
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->sample.ok());
  EXPECT_EQ(r->sample.status().code(), StatusCode::kFailedPrecondition);
}

TEST(NtpSourceDriverTest, SilenceIsReportedAsNoReplyWithinTheTimeout) {
  FakeServer server;
  NtpSourceDriver driver(server.address(), "fake", SystemClock::instance(), milliseconds(250));
  SocketExchange& x = *driver.socket_exchange();
  EXPECT_EQ(x.timeout(), milliseconds(250));
  ASSERT_TRUE(x.send_request({}).ok());
  ASSERT_TRUE(server.read_request().has_value());
  EXPECT_FALSE(drive(x, 300).has_value());  // nothing but the transmit timestamp came
  const PollResult r = x.on_timeout();
  ASSERT_FALSE(r.sample.ok());
  EXPECT_NE(r.sample.status().message().find("no reply within"), std::string::npos)
      << r.sample.status().message();
}

}  // namespace
}  // namespace kairos::sources
