#include "io/datagram_batch.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

namespace kairos::io {
namespace {

constexpr std::size_t kControlSize = CMSG_SPACE(sizeof(timespec)) + 64;

Status os_error(const char* what) {
  return Status::Unavailable(std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

ReceiveBatch::ReceiveBatch(std::size_t capacity, std::size_t buffer_size)
    : buffer_size_(buffer_size),
      buffers_(new std::uint8_t[capacity * buffer_size]),
      addrs_(capacity),
      iovs_(capacity),
      msgs_(capacity),
      control_(new std::uint8_t[capacity * kControlSize]) {
  for (std::size_t i = 0; i < capacity; ++i) {
    iovs_[i].iov_base = buffers_.get() + i * buffer_size;
    iovs_[i].iov_len = buffer_size;
  }
}

Result<std::size_t> ReceiveBatch::receive(const UdpSocket& socket) {
  return receive_flags(socket, MSG_WAITFORONE);
}

Result<std::size_t> ReceiveBatch::receive_now(const UdpSocket& socket) {
  return receive_flags(socket, MSG_DONTWAIT);
}

Result<std::size_t> ReceiveBatch::receive_flags(const UdpSocket& socket, int flags) {
  for (std::size_t i = 0; i < msgs_.size(); ++i) {
    msghdr& h = msgs_[i].msg_hdr;
    h.msg_name = &addrs_[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &iovs_[i];
    h.msg_iovlen = 1;
    h.msg_control = control_.get() + i * kControlSize;
    h.msg_controllen = kControlSize;
    h.msg_flags = 0;
    msgs_[i].msg_len = 0;
  }
  while (true) {
    const int n =
        recvmmsg(socket.fd(), msgs_.data(), static_cast<unsigned>(msgs_.size()), flags, nullptr);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    // Timeout, nothing queued, or an ICMP error reported on a client socket.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED) return std::size_t{0};
    return os_error("recvmmsg");
  }
}

std::span<const std::uint8_t> ReceiveBatch::data(std::size_t i) const {
  return {buffers_.get() + i * buffer_size_, msgs_[i].msg_len};
}

std::optional<UnixTime> ReceiveBatch::kernel_rx_time(std::size_t i) const {
  auto* h = const_cast<msghdr*>(&msgs_[i].msg_hdr);
  for (cmsghdr* c = CMSG_FIRSTHDR(h); c != nullptr; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return UnixTime(seconds(ts.tv_sec) + nanoseconds(ts.tv_nsec));
    }
  }
  return std::nullopt;
}

SendBatch::SendBatch(std::size_t capacity, std::size_t buffer_size)
    : buffer_size_(buffer_size),
      buffers_(new std::uint8_t[capacity * buffer_size]),
      addrs_(capacity),
      iovs_(capacity),
      msgs_(capacity) {
  for (std::size_t i = 0; i < capacity; ++i) {
    iovs_[i].iov_base = buffers_.get() + i * buffer_size;
    iovs_[i].iov_len = 0;
    msgs_[i].msg_hdr.msg_iov = &iovs_[i];
    msgs_[i].msg_hdr.msg_iovlen = 1;
  }
}

std::span<std::uint8_t> SendBatch::buffer(std::size_t i) {
  return {buffers_.get() + i * buffer_size_, buffer_size_};
}

void SendBatch::set(std::size_t i, std::size_t size, const sockaddr* peer, socklen_t peer_length) {
  iovs_[i].iov_len = size < buffer_size_ ? size : buffer_size_;
  msghdr& h = msgs_[i].msg_hdr;
  if (peer == nullptr || peer_length == 0 || peer_length > sizeof(sockaddr_storage)) {
    h.msg_name = nullptr;
    h.msg_namelen = 0;
  } else {
    std::memcpy(&addrs_[i], peer, peer_length);
    h.msg_name = &addrs_[i];
    h.msg_namelen = peer_length;
  }
}

Result<std::size_t> SendBatch::send(const UdpSocket& socket, std::size_t count,
                                    std::size_t& failed, std::size_t first) {
  failed = 0;
  std::size_t done = 0;
  while (done < count) {
    const int n = sendmmsg(socket.fd(), msgs_.data() + first + done,
                           static_cast<unsigned>(count - done), 0);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EBADF || errno == ENOTSOCK || errno == EFAULT)) {
      return os_error("sendmmsg");
    }
    // The first remaining datagram was refused (no route, buffer full, ...): skip it.
    ++failed;
    ++done;
  }
  return count - failed;
}

}  // namespace kairos::io
