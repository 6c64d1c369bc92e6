// UdpSocket: an owned UDP socket (IPv4 or IPv6) with the options the NTP server and
// clients need: SO_REUSEPORT (one socket per thread on one port), kernel receive
// timestamps (SO_TIMESTAMPNS), kernel software transmit timestamps (SO_TIMESTAMPING, read
// back from the error queue), a receive timeout (so blocked threads notice a stop), and
// buffer sizes.
//
// Thread safety: one thread uses a socket at a time (the fd itself is safe to close only
// after every user stopped).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "io/socket_address.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::io {

struct UdpOptions {
  bool reuse_port = false;       // SO_REUSEPORT before bind
  bool rx_timestamps = false;    // SO_TIMESTAMPNS: kernel receive time on every datagram
  // SO_TIMESTAMPING (TX_SOFTWARE, OPT_TSONLY): the kernel's send time of every datagram,
  // queued on the error queue (see take_tx_timestamp). Best effort: a kernel that refuses
  // the option leaves the socket without them (tx_timestamps() says false).
  bool tx_timestamps = false;
  Duration receive_timeout{0};   // SO_RCVTIMEO; 0 blocks forever
  int receive_buffer_bytes = 0;  // SO_RCVBUF; 0 keeps the system default
  int send_buffer_bytes = 0;     // SO_SNDBUF; 0 keeps the system default
  bool v6_only = true;           // IPV6_V6ONLY for IPv6 sockets
};

class UdpSocket {
 public:
  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // A socket bound to `local` (port 0: the kernel picks one; see local_address()).
  static Result<UdpSocket> bind(const SocketAddress& local, const UdpOptions& options);
  // A socket of `peer`'s family, bound to an ephemeral port and connected to `peer`, so it
  // only receives from it.
  static Result<UdpSocket> connect(const SocketAddress& peer, const UdpOptions& options);

  // Sends `bytes` as consecutive datagrams of `segment` bytes each (the last may be
  // shorter) in one system call with UDP GSO (Linux >= 4.18), on a connected socket; at
  // most kMaxSegments datagrams per call. FailedPrecondition if the kernel or the route
  // cannot segment (the caller then sends datagram by datagram).
  static constexpr std::size_t kMaxSegments = 64;
  Status send_segments(std::span<const std::uint8_t> bytes, std::uint16_t segment) const;

  int fd() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }
  Result<SocketAddress> local_address() const;
  // Whether the kernel accepted the tx_timestamps option.
  bool tx_timestamps() const { return tx_timestamps_; }

  // Non-blocking: empties the error queue and returns the newest software transmit
  // timestamp in it (a system realtime reading), nullopt when there is none (not sent yet,
  // not enabled, or the kernel gave none). Call it before a send to forget stale ones.
  std::optional<UnixTime> take_tx_timestamp() const;

 private:
  UdpSocket(int fd, bool tx_timestamps) : fd_(fd), tx_timestamps_(tx_timestamps) {}
  int fd_ = -1;
  bool tx_timestamps_ = false;
};

}  // namespace kairos::io
