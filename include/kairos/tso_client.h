// TsoClient: the client of kairos's order services (timestamp oracle and sequencer, over
// gRPC; docs/tso.md). Connect once, share the client between threads.
//
// Timestamps: concurrent calls are batched into one stream message (as TiDB's PD client
// does): one request asks the oracle for the sum of the queued calls' counts, and the
// contiguous range that comes back is split among them in the order they were made.
// Several batches may be in flight at once on the one stream. Values are hybrid
// timestamps (kairos/hybrid_timestamp.h), strictly increasing across all clients; a call
// made after another call of the same client completed gets larger values.
//
// Two ways to call: get_timestamps_async() queues the call and returns at once; its
// callback runs later on one of the client's threads. get_timestamps() is the same call
// waiting for its callback (it costs a thread wake-up per call; many cheap callers should
// use the async form, as PD's GetTSAsync is used from goroutines).
//
// Sequences: next_sequence() reserves numbers of a named sequence. Concurrent calls for one
// name share a request: while one is in flight, calls queue, and the next request asks for
// all of them (up to max_sequence_batch numbers); each call gets its own contiguous part.
// next_sequence_async() is the same call without blocking: its calls queue in call order,
// and one client thread sends, one request at a time, the oldest call's name's queued
// calls, then runs their callbacks (many cheap callers should use it: a blocking call costs
// a thread wake-up, an async one does not).
//
// Failures: a call retries on UNAVAILABLE (server down, not the leader, failover) with
// exponential backoff, trying the leader the server names (also when it is none of the
// endpoints: one node is enough to find the leader), else the next endpoint, and on
// RESOURCE_EXHAUSTED (a busy server) with the same backoff on the same endpoint, until
// `timeout` has passed since the call began; then it returns the last error. Bad requests
// (count 0, over the server's limit, bad name) and a refusing oracle (clock behind its
// window) fail at once with the server's message.
//
// Thread safety: every method may be called from any thread at the same time, and from
// inside a callback. Destroying the client completes every outstanding call (callbacks
// run before the destructor returns) with UNAVAILABLE "client is shutting down".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos {

struct TsoClientOptions {
  // "HOST:PORT" of the nodes of the cluster (any order; the client finds the leader, which
  // followers name; list them all so that one down node is no outage), or "unix:PATH" for
  // a node serving on a Unix socket of this host.
  std::vector<std::string> endpoints = {"127.0.0.1:11190"};
  Duration timeout = seconds(5);               // per call, retries included; at most 24h
  Duration initial_backoff = milliseconds(5);  // first wait before a retry, then doubles
  Duration max_backoff = milliseconds(250);
  std::uint32_t max_batch = 1 << 18;  // timestamps per stream message, 1..2^18 (<= server limit)
  int max_in_flight = 2;              // stream messages awaiting a response
  // Sequence numbers per combined request (<= the server's max_sequence_count).
  std::uint64_t max_sequence_batch = 1'000'000;
};

struct TimestampRange {
  std::uint64_t first = 0;  // the timestamps are first .. first + count - 1
  std::uint32_t count = 0;
};

struct SequenceRange {
  std::uint64_t first = 0;  // the numbers are first .. first + count - 1
  std::uint64_t count = 0;
};

// Receives the result of get_timestamps_async(): the range, or the error the blocking
// call would have returned. Runs on a client thread (usually the one reading the stream,
// while the next calls wait): it must not block, and should be short. It may call
// get_timestamps_async again, but not the blocking calls (they would wait for the thread
// running it); the timeout of a call made there counts from when the response that ran the
// callback arrived (one clock read per response, not per call). Callables up to two
// pointers in size are stored without allocating.
using TimestampCallback = std::function<void(Result<TimestampRange>)>;
// Receives the result of next_sequence_async(), with the same rules as TimestampCallback
// (it runs on the client's sequence thread, or on its timer thread for a deadline error).
using SequenceCallback = std::function<void(Result<SequenceRange>)>;

class TsoClient {
 public:
  // Checks the options and prepares channels; does not wait for a server.
  static Result<std::unique_ptr<TsoClient>> connect(TsoClientOptions options);
  virtual ~TsoClient() = default;

  // Reserves `count` consecutive timestamps; blocks until they arrive or the call fails.
  virtual Result<TimestampRange> get_timestamps(std::uint32_t count) = 0;
  // The same call without blocking: `done` (must not be empty) is called exactly once,
  // with the range or the error, within about `timeout` (never from inside this function,
  // except while the client is being destroyed). Callbacks of calls answered by one
  // message run in the order the calls were made.
  virtual void get_timestamps_async(std::uint32_t count, TimestampCallback done) = 0;
  virtual Result<SequenceRange> next_sequence(std::string_view name, std::uint64_t count) = 0;
  // The same call without blocking: `done` (must not be empty) is called exactly once, with
  // the range or the error, within about `timeout` (never from inside this function, except
  // while the client is being destroyed). Per name, a call made after another one's
  // callback ran gets larger numbers; callbacks of calls answered by one request run in the
  // order the calls were made.
  virtual void next_sequence_async(std::string_view name, std::uint64_t count,
                                   SequenceCallback done) = 0;
};

}  // namespace kairos
