#include "server/server_counters.h"

namespace kairos::server {

std::string_view drop_reason_name(RequestVerdict v) {
  return v == RequestVerdict::kReply ? "rate_limit" : verdict_name(v);
}

std::uint64_t ServerCounters::dropped_total() const {
  std::uint64_t n = 0;
  for (std::uint64_t d : dropped) n += d;
  return n;
}

std::string ServerCounters::to_string() const {
  std::string s = "received=" + std::to_string(received) + " replied=" + std::to_string(replied) +
                  " kod=" + std::to_string(kod_sent) +
                  " rate_limited=" + std::to_string(rate_limited);
  for (int i = 0; i < kVerdictCount; ++i) {
    const std::string_view name = drop_reason_name(static_cast<RequestVerdict>(i));
    s += " dropped_" + std::string(name) + "=" + std::to_string(dropped[i]);
  }
  s += " send_errors=" + std::to_string(send_errors);
  return s;
}

void ThreadCounters::accumulate(ServerCounters& sum) const {
  sum.received += received_.load(std::memory_order_relaxed);
  sum.replied += replied_.load(std::memory_order_relaxed);
  sum.kod_sent += kod_.load(std::memory_order_relaxed);
  sum.rate_limited += rate_limited_.load(std::memory_order_relaxed);
  for (int i = 0; i < kVerdictCount; ++i)
    sum.dropped[i] += dropped_[i].load(std::memory_order_relaxed);
  sum.send_errors += send_errors_.load(std::memory_order_relaxed);
}

}  // namespace kairos::server
