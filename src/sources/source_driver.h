// SourceDriver: one time source the daemon's control loop polls (an NTP server, a file on
// shared storage, the local clock). A driver measures; the sync engine decides.
//
// poll() starts one measurement and reports it through `done` exactly once: a Sample of
// the reference against this node's SYSTEM clock (see sync/sample.h), or an error saying
// why there is none (timeout, unusable reply, I/O failure). Drivers whose poll blocks
// (file I/O) say so, and the loop runs them on a worker thread; `done` may be called on
// any thread, and the loop takes it back to its own.
//
// Thread safety: poll() is never called again before the previous `done`.
#pragma once

#include <cstdint>
#include <functional>
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
};

}  // namespace kairos::sources
