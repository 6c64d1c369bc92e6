// AsyncSequenceQueue: the non-blocking form of next_sequence(). Calls queue in call order;
// one worker thread takes the name of the oldest queued call, sends one request for it and
// for every call of that name queued behind it (up to `max_batch` numbers, the rule of
// SequenceCombiner), hands each call its own contiguous part of the range in call order,
// runs their callbacks, and goes on with the next name. A callback that submits again
// costs no wake-up: the worker looks at the queue before it sleeps. So 64 async callers
// cost one request per round trip and no thread switch per call, where 64 blocking callers
// cost a thread wake-up each.
//
// One request is in flight at a time, for all names: a name whose request is being retried
// (server down, failover) holds up the others, which in that case fail or wait alike.
// Calls still queued when their deadline passes fail in expire_due(), which the owner calls
// at least every few milliseconds; a request in flight ends by its batch's earliest deadline.
//
// Thread safety: submit() and expire_due() may be called from any thread, also from inside
// a callback. Callbacks run without the queue's lock, on the worker (results) or on the
// thread calling expire_due() (deadlines). The destructor waits for the request in flight,
// then fails every queued call with UNAVAILABLE "client is shutting down".
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kairos/status.h"
#include "kairos/time.h"
#include "kairos/tso_client.h"
#include "tso/sequence_combiner.h"

namespace kairos::tso {

class AsyncSequenceQueue {
 public:
  // `send` (blocking, retrying until its deadline) is called on the worker thread only.
  // `timeout` only words the deadline error ("no sequence numbers within 5s").
  AsyncSequenceQueue(std::uint64_t max_batch, Duration timeout, SequenceCombiner::Send send);
  ~AsyncSequenceQueue();
  AsyncSequenceQueue(const AsyncSequenceQueue&) = delete;
  AsyncSequenceQueue& operator=(const AsyncSequenceQueue&) = delete;

  // Queues `count` numbers of `name`; `done` is called exactly once.
  void submit(std::string name, std::uint64_t count, MonoTime deadline, SequenceCallback done);
  // Fails the queued calls whose deadline is at or before `now` (monotonic).
  void expire_due(MonoTime now);

 private:
  struct Call {
    std::string name;
    std::uint64_t count = 0;
    MonoTime deadline;
    SequenceCallback done;
  };

  void run();
  // Takes the oldest call's name's calls off the queue, in order. Precondition: mu_ held,
  // queue not empty.
  std::vector<Call> take_batch();
  void send_batch(std::vector<Call>& batch);  // without the lock
  Status deadline_error() const;

  const std::uint64_t max_batch_;
  const Duration timeout_;
  const SequenceCombiner::Send send_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Call> queue_;  // guarded by mu_: calls not yet sent, in call order
  bool stop_ = false;       // guarded by mu_
  std::thread worker_;      // last: starts once the rest is built
};

}  // namespace kairos::tso
