// Counters of the NTP responder. Each responder thread owns one ThreadCounters (single
// writer, relaxed atomics on their own cache line); ServerCounters is their sum, taken on
// read.
//
// Thread safety: ThreadCounters: one writer, any readers. ServerCounters: a plain value.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "server/reply_builder.h"

namespace kairos::server {

struct ServerCounters {
  std::uint64_t received = 0;      // datagrams read from the sockets
  std::uint64_t replied = 0;       // replies sent (time replies and KoDs)
  std::uint64_t kod_sent = 0;      // RATE Kiss-o'-Death replies among `replied`
  std::uint64_t rate_limited = 0;  // requests over their client's rate (KoD or dropped)
  // Dropped without a reply, by reason: indexed by RequestVerdict (kReply's slot counts
  // rate-limited drops).
  std::array<std::uint64_t, kVerdictCount> dropped{};
  std::uint64_t send_errors = 0;  // replies the kernel refused

  std::uint64_t dropped_total() const;
  // "received=10 replied=8 kod=0 rate_limited=0 dropped_malformed=1 ...", for logs.
  std::string to_string() const;
};

// The name of a `dropped` slot: verdict_name(), except kReply's slot is "rate_limit".
std::string_view drop_reason_name(RequestVerdict v);

class ThreadCounters {
 public:
  void add_received(std::uint64_t n) { bump(received_, n); }
  void add_replied(std::uint64_t n) { bump(replied_, n); }
  void add_kod() { bump(kod_, 1); }
  void add_rate_limited() { bump(rate_limited_, 1); }
  void add_dropped(RequestVerdict reason) { bump(dropped_[static_cast<int>(reason)], 1); }
  void add_send_errors(std::uint64_t n) { bump(send_errors_, n); }
  // Adds this thread's counts to `sum`.
  void accumulate(ServerCounters& sum) const;

 private:
  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  alignas(64) std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> replied_{0};
  std::atomic<std::uint64_t> kod_{0};
  std::atomic<std::uint64_t> rate_limited_{0};
  std::array<std::atomic<std::uint64_t>, kVerdictCount> dropped_{};
  std::atomic<std::uint64_t> send_errors_{0};
};

}  // namespace kairos::server
