// RequestRing: the load generator's book of outstanding requests. Requests carry dense
// sequence numbers 0, 1, 2, ...; the ring remembers each one's send time and whether it
// was answered, in fixed memory (`capacity` slots, no allocation after construction).
//
// A request leaves the book when it is answered, when it is older than the loss limit, or
// when the ring needs its slot: expire() keeps room for the next batch so a new request
// never shares a slot with one still tracked.
//
// Thread safety: one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace kairos::cli {

class RequestRing {
 public:
  explicit RequestRing(std::size_t capacity) : send_ns_(capacity), answered_(capacity) {}

  std::uint64_t next() const { return next_; }
  std::uint64_t outstanding() const { return outstanding_; }
  std::size_t capacity() const { return send_ns_.size(); }

  // Records the next request (sequence next()) as sent at `sent_ns`.
  void sent(std::int64_t sent_ns) {
    const std::size_t slot = next_ % capacity();
    send_ns_[slot] = sent_ns;
    answered_[slot] = 0;
    ++next_;
    ++outstanding_;
  }

  // Drops requests sent before `lost_before_ns` and, oldest first, enough others that
  // `room` more can be sent (room <= capacity). Returns how many unanswered were dropped.
  std::uint64_t expire(std::int64_t lost_before_ns, std::size_t room) {
    std::uint64_t lost = 0;
    while (oldest_ < next_ && (answered_[oldest_ % capacity()] ||
                               send_ns_[oldest_ % capacity()] < lost_before_ns ||
                               next_ - oldest_ + room > capacity())) {
      if (!answered_[oldest_ % capacity()]) {
        --outstanding_;
        ++lost;
      }
      ++oldest_;
    }
    return lost;
  }

  // A reply for request `seq`: its send time if the request was outstanding; nullopt if
  // it is unknown, was dropped, or was answered already.
  std::optional<std::int64_t> answer(std::uint64_t seq) {
    if (seq >= next_ || seq < oldest_ || answered_[seq % capacity()]) return std::nullopt;
    answered_[seq % capacity()] = 1;
    --outstanding_;
    return send_ns_[seq % capacity()];
  }

 private:
  std::vector<std::int64_t> send_ns_;
  std::vector<std::uint8_t> answered_;
  std::uint64_t next_ = 0;
  std::uint64_t oldest_ = 0;  // requests before it have left the book
  std::uint64_t outstanding_ = 0;
};

}  // namespace kairos::cli
