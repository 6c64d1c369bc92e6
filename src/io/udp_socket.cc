#include "io/udp_socket.h"

#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kairos::io {
namespace {

Status os_error(const std::string& what) {
  return Status::Unavailable(what + ": " + std::strerror(errno));
}

Status set_int(int fd, int level, int name, int value, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof value) != 0) return os_error(what);
  return Status::Ok();
}

// Asks for software transmit timestamps, reported without the packet (OPT_TSONLY). A
// kernel that refuses (too old, or a socket type without them) is not an error: the
// caller falls back to reading the clock itself.
bool enable_tx_timestamps(int fd) {
  const int flags =
      SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_TSONLY;
  return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) == 0;
}

Result<int> open_socket(int family, const UdpOptions& o) {
  const int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return os_error("socket");
  Status s;
  if (o.reuse_port) s = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
  if (s.ok() && o.rx_timestamps) s = set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
  if (s.ok() && o.icmp_errors) {
    s = family == AF_INET6 ? set_int(fd, IPPROTO_IPV6, IPV6_RECVERR, 1, "IPV6_RECVERR")
                           : set_int(fd, IPPROTO_IP, IP_RECVERR, 1, "IP_RECVERR");
  }
  // Past net.core.{r,w}mem_max only with CAP_NET_ADMIN (the *FORCE options); else capped.
  if (s.ok() && o.receive_buffer_bytes > 0 &&
      !set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, o.receive_buffer_bytes, "SO_RCVBUFFORCE").ok()) {
    s = set_int(fd, SOL_SOCKET, SO_RCVBUF, o.receive_buffer_bytes, "SO_RCVBUF");
  }
  if (s.ok() && o.send_buffer_bytes > 0 &&
      !set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, o.send_buffer_bytes, "SO_SNDBUFFORCE").ok()) {
    s = set_int(fd, SOL_SOCKET, SO_SNDBUF, o.send_buffer_bytes, "SO_SNDBUF");
  }
  if (s.ok() && family == AF_INET6) {
    s = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, o.v6_only ? 1 : 0, "IPV6_V6ONLY");
  }
  if (s.ok() && o.receive_timeout > Duration(0)) {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(o.receive_timeout).count();
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(us / 1'000'000);
    tv.tv_usec = static_cast<suseconds_t>(us % 1'000'000);
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) s = os_error("SO_RCVTIMEO");
  }
  if (!s.ok()) {
    close(fd);
    return s;
  }
  return fd;
}

}  // namespace

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) close(fd_);
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(other.fd_), tx_timestamps_(other.tx_timestamps_) {
  other.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    tx_timestamps_ = other.tx_timestamps_;
    other.fd_ = -1;
  }
  return *this;
}

Result<UdpSocket> UdpSocket::bind(const SocketAddress& local, const UdpOptions& options) {
  if (local.empty()) return Status::InvalidArgument("bind: no address");
  Result<int> fd = open_socket(local.family(), options);
  if (!fd.ok()) return fd.status();
  UdpSocket sock(*fd, options.tx_timestamps && enable_tx_timestamps(*fd));
  if (::bind(*fd, local.sockaddr_ptr(), local.length()) != 0) {
    return os_error("bind " + local.to_string());
  }
  return sock;
}

Result<UdpSocket> UdpSocket::connect(const SocketAddress& peer, const UdpOptions& options) {
  if (peer.empty()) return Status::InvalidArgument("connect: no address");
  Result<int> fd = open_socket(peer.family(), options);
  if (!fd.ok()) return fd.status();
  UdpSocket sock(*fd, options.tx_timestamps && enable_tx_timestamps(*fd));
  if (::connect(*fd, peer.sockaddr_ptr(), peer.length()) != 0) {
    return os_error("connect " + peer.to_string());
  }
  return sock;
}

Result<SocketAddress> UdpSocket::local_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return os_error("getsockname");
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len);
}

Status UdpSocket::send_segments(std::span<const std::uint8_t> bytes,
                                std::uint16_t segment) const {
  if (segment == 0 || bytes.size() > segment * kMaxSegments) {
    return Status::InvalidArgument("send_segments: " + std::to_string(bytes.size()) +
                                   " bytes do not fit " + std::to_string(kMaxSegments) +
                                   " segments of " + std::to_string(segment));
  }
  iovec iov{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
  alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(std::uint16_t))] = {};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  h.msg_control = control;
  h.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&h);
  c->cmsg_level = SOL_UDP;
  c->cmsg_type = UDP_SEGMENT;
  c->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
  std::memcpy(CMSG_DATA(c), &segment, sizeof segment);
  while (true) {
    if (sendmsg(fd_, &h, 0) >= 0) return Status::Ok();
    if (errno == EINTR) continue;
    if (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT || errno == EOPNOTSUPP) {
      return Status::FailedPrecondition(std::string("UDP GSO unsupported: ") +
                                        std::strerror(errno));
    }
    return os_error("sendmsg (UDP GSO)");
  }
}

UdpSocket::ErrorQueue UdpSocket::drain_error_queue() const {
  ErrorQueue out;
  alignas(cmsghdr) std::uint8_t control[256];
  std::uint8_t data[64];  // OPT_TSONLY: no payload comes back; room for one anyway
  for (int i = 0; i < 64; ++i) {  // bounded: a queue never holds more than a few
    iovec iov{data, sizeof data};
    msghdr h{};
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    if (recvmsg(fd_, &h, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;  // EAGAIN: empty
    std::optional<UnixTime> stamp;
    bool from_timestamping = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
        scm_timestamping ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        if (ts.ts[0].tv_sec != 0 || ts.ts[0].tv_nsec != 0) {  // ts[0]: the software stamp
          stamp = UnixTime(seconds(ts.ts[0].tv_sec) + nanoseconds(ts.ts[0].tv_nsec));
        }
      } else if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                 (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
        sock_extended_err err{};
        std::memcpy(&err, CMSG_DATA(c), sizeof err);
        from_timestamping = err.ee_origin == SO_EE_ORIGIN_TIMESTAMPING;
        if (err.ee_origin == SO_EE_ORIGIN_ICMP || err.ee_origin == SO_EE_ORIGIN_ICMP6) {
          out.icmp_errno = static_cast<int>(err.ee_errno);
        }
      }
    }
    if (tx_timestamps_ && stamp && from_timestamping &&
        (!out.tx_timestamp || *stamp > *out.tx_timestamp)) {
      out.tx_timestamp = stamp;
    }
  }
  return out;
}

}  // namespace kairos::io
