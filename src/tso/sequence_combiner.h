// SequenceCombiner: concurrent next_sequence() calls for one name share one request (flat
// combining). A caller that finds no request in flight for its name sends one for itself
// and every call queued for that name, asking for the sum of their counts (up to
// `max_batch`), and hands each caller its own contiguous part of the range, in queue
// order. Calls for other names never wait on each other.
//
// Every number still comes from the server in one durable reservation, so the guarantees
// are the server's: numbers are unique and, per name, increasing in the order the calls
// were combined. A failed request fails every call it carried with its status.
//
// Thread safety: next() may be called from any number of threads at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kairos/status.h"
#include "kairos/time.h"
#include "kairos/tso_client.h"

namespace kairos::tso {

class SequenceCombiner {
 public:
  // Sends one request for `count` numbers of `name`, retrying as it sees fit until
  // `deadline` (monotonic).
  using Send = std::function<Result<SequenceRange>(const std::string& name, std::uint64_t count,
                                                   MonoTime deadline)>;

  SequenceCombiner(std::uint64_t max_batch, Send send);

  // `count` numbers of `name`; waits at most for one request in flight plus its own.
  Result<SequenceRange> next(std::string_view name, std::uint64_t count, MonoTime deadline);

  // Calls of `name` queued behind a request in flight (for tests and diagnostics).
  std::size_t waiting(std::string_view name) const;

 private:
  struct Call {
    std::uint64_t count;
    MonoTime deadline;
    bool done = false;
    Result<SequenceRange> result = Status::Internal("not answered");
    std::condition_variable cv;  // wakes this caller only: its result, or its turn to send
  };
  // Shared by the caller and whoever answers it, so that the answerer can notify after
  // releasing mu_ (a caller woken while mu_ is held only blocks on it again).
  using CallRef = std::shared_ptr<Call>;
  struct Name {
    std::vector<CallRef> queued;  // in call order
    bool in_flight = false;
  };

  // Takes queued calls of `n` up to max_batch numbers (at least one). Precondition: mu_.
  std::vector<CallRef> take_batch(Name& n);
  // Sends one request for `batch`, answers its calls and wakes them and the next sender.
  // Precondition and postcondition: `lock` holds mu_ (released while sending and waking).
  void send_batch(const std::string& name, const std::vector<CallRef>& batch,
                  std::unique_lock<std::mutex>& lock);

  const std::uint64_t max_batch_;
  const Send send_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Name> names_;  // guarded by mu_; only names with calls
};

}  // namespace kairos::tso
