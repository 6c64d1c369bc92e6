#include "sources/ntp_source.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "kairos/ntp/on_wire.h"
#include "kairos/ntp/packet.h"

namespace kairos::sources {
namespace {

Leap to_leap(ntp::LeapIndicator l) { return static_cast<Leap>(static_cast<std::uint8_t>(l) & 3); }

}  // namespace

NtpSourceDriver::NtpSourceDriver(io::SocketAddress server, std::string name, const Clock& clock,
                                 Duration timeout)
    : server_(server), name_(std::move(name)), clock_(clock), timeout_(timeout) {}

std::uint32_t NtpSourceDriver::reference_id() const {
  if (server_.family() == AF_INET) {
    return ntohl(reinterpret_cast<const sockaddr_in*>(server_.sockaddr_ptr())->sin_addr.s_addr);
  }
  return static_cast<std::uint32_t>(server_.address_hash() >> 32);
}

Status NtpSourceDriver::send_request(const sync::SampleParams& params) {
  if (!socket_.is_open()) {
    io::UdpOptions o;
    o.rx_timestamps = true;
    o.tx_timestamps = true;
    o.icmp_errors = true;  // a refusing port still ends the poll at once, as when connected
    o.receive_timeout = milliseconds(20);
    // Not connected (chrony's acquisitionport way): on Linux loopback and veth, replies to
    // a connected socket came with receive timestamps ~4-8 us later (round trip 17.0 against
    // 9.5 us, offset -5.0 against -1.3 us on loopback; docs/sync.md §1). take_reply()
    // accepts only the server's address and port, as the connected socket's kernel did.
    Result<io::SocketAddress> any =
        io::SocketAddress::parse(server_.family() == AF_INET6 ? "[::]:0" : "0.0.0.0:0");
    if (!any.ok()) return any.status();
    Result<io::UdpSocket> s = io::UdpSocket::bind(*any, o);
    if (!s.ok()) return s.status();
    socket_ = std::move(*s);
  }
  while (rx_.receive_now(socket_).value_or(0) > 0) {
  }  // drop late replies to earlier polls
  socket_.drain_error_queue();  // and transmit timestamps and ICMP errors of earlier sends
  tx_kernel_.reset();
  icmp_errno_ = 0;

  std::uint8_t request[ntp::kHeaderSize];
  params_ = params;
  request_ = ntp::NtpPacket();
  request_.version = 4;
  request_.mode = ntp::Mode::kClient;
  // The request carries this reading; the server only echoes it back as the origin, so
  // the kernel's transmit timestamp, when it comes, replaces it as t1 (chrony does the
  // same): it leaves out the send path and any preemption before the datagram left.
  sent_ = clock_.realtime();
  request_.transmit_time = NtpTimestamp::from_unix(sent_);
  ntp::encode_header(request_, request);
  if (::sendto(socket_.fd(), request, sizeof request, 0, server_.sockaddr_ptr(),
               server_.length()) != static_cast<ssize_t>(sizeof request)) {
    const int err = errno;
    socket_ = io::UdpSocket();  // reopen next time (e.g. the route came back)
    return Status::Unavailable(std::string("send: ") + std::strerror(err));
  }
  last_error_ = Status::DeadlineExceeded("no reply within " + format_duration(timeout_));
  return Status::Ok();
}

std::optional<PollResult> NtpSourceDriver::on_readable() {
  // The transmit timestamp makes the socket readable too (its error queue): take it now,
  // as chrony does, so the wait that follows is for the reply alone.
  if (std::optional<Status> refused = icmp_failure()) {
    PollResult r;
    r.sample = *refused;
    return r;
  }
  const Result<std::size_t> n = rx_.receive_now(socket_);
  if (!n.ok()) {
    PollResult r;
    r.sample = n.status();
    return r;
  }
  std::optional<Result<sync::Sample>> sample = take_reply(*n);
  if (!sample) return std::nullopt;
  PollResult r;
  r.sample = std::move(*sample);
  return r;
}

PollResult NtpSourceDriver::on_timeout() {
  PollResult r;
  r.sample = last_error_;
  return r;
}

std::optional<Result<sync::Sample>> NtpSourceDriver::take_reply(std::size_t received) {
  for (std::size_t i = 0; i < received; ++i) {
    const io::SocketAddress from(rx_.peer(i), rx_.peer_length(i));
    if (!(from == server_)) {  // not our server (a multi-homed one answering from another
                               // address, or noise): keep waiting for the real reply
      last_error_ = Status::InvalidArgument("a datagram came from " + from.to_string() +
                                            ", not from the server");
      continue;
    }
    const std::optional<UnixTime> kernel = rx_.kernel_rx_time(i);
    const UnixTime t4 = kernel ? clock_.from_system_realtime(*kernel) : clock_.realtime();
    Result<ntp::OnWireSample> s =
        ntp::evaluate_reply(rx_.data(i), request_.transmit_time, NtpTimestamp::from_unix(t4));
    if (!s.ok()) {
      last_error_ = s.status();
      // A KoD or an unsynchronized server is this poll's answer.
      if (s.status().code() == StatusCode::kFailedPrecondition) return last_error_;
      continue;  // stale or bogus: keep waiting for the real reply
    }
    const ntp::NtpPacket& r = s->reply;
    const UnixTime t1 = transmit_time(sent_, t4);
    sync::Exchange e;
    e.t1 = t1;
    e.t2 = r.receive_time.to_unix(t1);
    e.t3 = r.transmit_time.to_unix(t1);
    e.t4 = t4;
    e.server.stratum = r.stratum;
    e.server.reference_id = r.reference_id;
    e.server.root_delay = r.root_delay.to_duration();
    e.server.root_dispersion = r.root_dispersion.to_duration();
    e.server.leap = to_leap(r.leap);
    e.server.precision_log2 = r.precision_log2;
    Result<sync::Sample> sample = sync::sample_from_exchange(e, params_);
    if (sample.ok()) reply_ = r;
    return sample;
  }
  return std::nullopt;
}

Result<sync::Sample> NtpSourceDriver::exchange(const sync::SampleParams& params) {
  if (Status sent = send_request(params); !sent.ok()) return sent;
  const MonoTime deadline = clock_.monotonic() + timeout_;
  while (clock_.monotonic() < deadline) {
    Result<std::size_t> n = rx_.receive(socket_);  // waits up to the socket's 20 ms
    if (std::optional<Status> refused = icmp_failure()) return *refused;
    if (!n.ok()) return n.status();
    if (std::optional<Result<sync::Sample>> sample = take_reply(*n)) return std::move(*sample);
  }
  return last_error_;
}

std::optional<Status> NtpSourceDriver::icmp_failure() {
  collect_tx_timestamp();
  if (icmp_errno_ == 0) return std::nullopt;
  return Status::Unavailable(std::string("ICMP error: ") + std::strerror(icmp_errno_));
}

void NtpSourceDriver::collect_tx_timestamp() {
  const io::UdpSocket::ErrorQueue q = socket_.drain_error_queue();
  if (q.tx_timestamp) tx_kernel_ = q.tx_timestamp;
  if (q.icmp_errno != 0) icmp_errno_ = q.icmp_errno;
}

UnixTime NtpSourceDriver::transmit_time(UnixTime sent, UnixTime t4) {
  collect_tx_timestamp();
  if (!tx_kernel_) return sent;
  const UnixTime t1 = clock_.from_system_realtime(*tx_kernel_);
  // Taken after `sent` was read and before the reply came back, or it is not ours.
  return t1 >= sent && t1 <= t4 ? t1 : sent;
}

void NtpSourceDriver::poll(const sync::SampleParams& params, std::function<void(PollResult)> done) {
  PollResult r;
  r.sample = exchange(params);
  done(std::move(r));
}

Result<std::vector<std::unique_ptr<NtpSourceDriver>>> ntp_drivers_for(const std::string& entry,
                                                                       const Clock& clock) {
  Result<std::vector<io::SocketAddress>> addrs = io::SocketAddress::resolve_all(entry, ntp::kDefaultPort);
  if (!addrs.ok()) return addrs.status().WithContext("server " + entry);
  std::vector<std::unique_ptr<NtpSourceDriver>> out;
  for (const io::SocketAddress& a : *addrs) {
    const std::string address = a.to_string();
    const bool literal = entry == address || entry + ":" + std::to_string(ntp::kDefaultPort) == address;
    out.push_back(std::make_unique<NtpSourceDriver>(a, literal ? address : entry + " (" + address + ")",
                                                    clock));
  }
  return out;
}

}  // namespace kairos::sources
