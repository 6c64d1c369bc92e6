// SourceDriver: one time source the daemon's control loop polls (an NTP server, a file on
// shared storage, the local clock). A driver measures; the sync engine decides.
//
// poll() starts one measurement and reports it through `done` exactly once: a Sample of
// the reference against this node's SYSTEM clock (see sync/sample.h), or an error saying
// why there is none (timeout, unusable reply, I/O failure). Drivers whose poll blocks
// (file I/O) say so, and the loop runs them on a worker thread; `done` may be called on
// any thread, and the loop takes it back to its own.
//
// A driver whose measurement is a request and a reply on one socket (NTP) also offers a
// SocketExchange: the loop then sends from its own thread and waits for the socket to
// become readable, with no thread hand-off around the send (on a 2-vCPU VM, waking a
// worker to send and letting it block at once delayed our requests by ~100 µs, all of it
// inside the measured round trip).
//
// Thread safety: poll() is never called again before the previous `done`, nor while a
// SocketExchange is in progress.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "kairos/status.h"
#include "sync/sample.h"

namespace kairos::sources {

// A measurement problem that is not a plain failure: the driver has a sample but flags
// it (offset or drift beyond a configured limit). The loop logs it, shows it in status,
// and does not feed the sample to the engine.
struct PollResult {
  Result<sync::Sample> sample = Status::Unavailable("no measurement");
  std::string alarm;  // non-empty: the sample is withheld for this reason
};

// One request and its reply, driven by the caller's event loop: send_request, then
// on_readable each time wait_fd() is readable until it returns a result, or on_timeout once
// timeout() has passed since the send.
class SocketExchange {
 public:
  virtual ~SocketExchange() = default;
  // Sends one request. An error is the poll's result (nothing to wait for).
  virtual Status send_request(const sync::SampleParams& params) = 0;
  // The socket to wait on; valid from a successful send_request to the poll's result.
  virtual int wait_fd() const = 0;
  // Reads what is queued without blocking: the poll's result once the reply (or a KoD)
  // came, nullopt while only stale or bogus datagrams did.
  virtual std::optional<PollResult> on_readable() = 0;
  // The poll's result when no reply came within timeout().
  virtual PollResult on_timeout() = 0;
  virtual Duration timeout() const = 0;
};

class SourceDriver {
 public:
  virtual ~SourceDriver() = default;
  // For status and logs: "192.0.2.1:123", "file:/mnt/shared".
  virtual std::string name() const = 0;
  // Our refid when this source is the system peer (RFC 5905 §7.3).
  virtual std::uint32_t reference_id() const = 0;
  // True when poll() does blocking I/O and belongs on a worker thread.
  virtual bool blocking() const { return false; }
  virtual void poll(const sync::SampleParams& params, std::function<void(PollResult)> done) = 0;
  // Non-null when the loop may drive the measurement itself (see SocketExchange).
  virtual SocketExchange* socket_exchange() { return nullptr; }
};

}  // namespace kairos::sources
