// ReceiveBatch and SendBatch: fixed arrays of datagrams moved with one recvmmsg/sendmmsg
// call each. All memory (buffers, addresses, control space) is allocated once, at
// construction; receiving and sending allocate nothing.
//
// Thread safety: one thread per batch.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "io/udp_socket.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::io {

class ReceiveBatch {
 public:
  // Up to `capacity` datagrams of at most `buffer_size` bytes each (longer ones are
  // truncated: size() reports the bytes kept, truncated() says it happened).
  ReceiveBatch(std::size_t capacity, std::size_t buffer_size);

  // Blocks until at least one datagram arrives (or the socket's receive timeout passes),
  // then takes what is queued, up to capacity. Returns the count (0 on timeout) or an
  // error.
  Result<std::size_t> receive(const UdpSocket& socket);
  // Non-blocking: whatever is queued now (0 if nothing).
  Result<std::size_t> receive_now(const UdpSocket& socket);

  std::span<const std::uint8_t> data(std::size_t i) const;
  bool truncated(std::size_t i) const { return (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0; }
  const sockaddr* peer(std::size_t i) const {
    return reinterpret_cast<const sockaddr*>(&addrs_[i]);
  }
  socklen_t peer_length(std::size_t i) const { return msgs_[i].msg_hdr.msg_namelen; }
  // The kernel's receive time (SO_TIMESTAMPNS) as a system realtime reading, if the socket
  // asked for it and the kernel gave one.
  std::optional<UnixTime> kernel_rx_time(std::size_t i) const;
  std::size_t capacity() const { return msgs_.size(); }

 private:
  Result<std::size_t> receive_flags(const UdpSocket& socket, int flags);

  std::size_t buffer_size_;
  std::unique_ptr<std::uint8_t[]> buffers_;
  std::vector<sockaddr_storage> addrs_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> msgs_;
  std::unique_ptr<std::uint8_t[]> control_;
};

class SendBatch {
 public:
  SendBatch(std::size_t capacity, std::size_t buffer_size);

  // Buffer of slot i (buffer_size bytes) to fill, then commit with set().
  std::span<std::uint8_t> buffer(std::size_t i);
  // Slot i sends `size` bytes of its buffer to `peer` (null: the connected peer).
  void set(std::size_t i, std::size_t size, const sockaddr* peer, socklen_t peer_length);

  // Sends slots [first, first + count). A datagram the kernel refuses is skipped and
  // counted in `failed`; returns how many were sent, or an error if the socket itself fails.
  Result<std::size_t> send(const UdpSocket& socket, std::size_t count, std::size_t& failed,
                           std::size_t first = 0);
  std::size_t capacity() const { return msgs_.size(); }

 private:
  std::size_t buffer_size_;
  std::unique_ptr<std::uint8_t[]> buffers_;
  std::vector<sockaddr_storage> addrs_;
  std::vector<iovec> iovs_;
  std::vector<mmsghdr> msgs_;
};

}  // namespace kairos::io
