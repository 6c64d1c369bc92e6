// UdpSocket: an owned UDP socket (IPv4 or IPv6) with the options the NTP server and
// clients need: SO_REUSEPORT (one socket per thread on one port), kernel receive
// timestamps (SO_TIMESTAMPNS), kernel software transmit timestamps (SO_TIMESTAMPING, read
// back from the error queue, as are ICMP errors with IP_RECVERR), a receive timeout (so blocked threads notice a stop), and
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
  // queued on the error queue (see drain_error_queue). Best effort: a kernel that refuses
  // the option leaves the socket without them (tx_timestamps() says false).
  bool tx_timestamps = false;
  // IP_RECVERR / IPV6_RECVERR: ICMP errors about our datagrams (port unreachable, ...) are
  // queued on the error queue, also on a socket that is not connected (see
  // drain_error_queue).
  bool icmp_errors = false;
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

  // What the error queue held: the newest software transmit timestamp (a system realtime
  // reading; none when nothing was sent yet, they are not enabled, or the kernel gave
  // none), and the errno of the newest ICMP error (0: none; needs icmp_errors).
  struct ErrorQueue {
    std::optional<UnixTime> tx_timestamp;
    int icmp_errno = 0;
  };
  // Non-blocking: empties the error queue and says what was in it. Call it before a send
  // to forget stale entries.
  ErrorQueue drain_error_queue() const;

 private:
  UdpSocket(int fd, bool tx_timestamps) : fd_(fd), tx_timestamps_(tx_timestamps) {}
  int fd_ = -1;
  bool tx_timestamps_ = false;
};

}  // namespace kairos::io
