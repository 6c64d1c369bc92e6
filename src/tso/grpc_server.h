// TsoServer: serves a TimestampOracle and a Sequencer over gRPC (proto/kairos.proto) on
// its own threads, and keeps the oracle's window extended ahead of need on a background
// thread, so requests rarely wait for the store. Every timestamp stream is served by one
// thread polling a completion queue (a request is answered by the thread that read it, no
// hand-off per message; a request waiting for the store holds up the other streams, which
// would wait for the oracle's lock anyway); sequences by gRPC's synchronous thread pool.
// gRPC headers stay in the .cc.
//
// Thread safety: start() and the destructor from one thread; everything else internal.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kairos/status.h"
#include "kairos/time.h"
#include "tso/sequencer.h"
#include "tso/timestamp_oracle.h"

namespace kairos::tso {

struct TsoServerOptions {
  // HOST:PORT (port 0 picks a free port) or unix:PATH (refused while another process
  // serves on PATH; a socket file left by a killed server is replaced).
  std::string listen = "127.0.0.1:11190";
  // With unix:PATH, the socket file's permission bits (0..0777; connecting needs write
  // permission), set before any client can connect; unset: what the umask gives.
  std::optional<std::uint32_t> unix_socket_mode;
  // The node's disciplined time, read once per request (the daemon passes its clock).
  std::function<UnixTime()> now;
  // The leader's gRPC address when this node is a follower ("" when unknown or leader);
  // sent to clients in the `kairos-leader` trailing metadata of UNAVAILABLE errors.
  std::function<std::string()> leader_address;
  // Checked on every request when set, before it takes values and again before they are
  // answered: OK to serve, else the error to answer (a leader whose lease is no longer
  // surely alive answers UNAVAILABLE, also when the lease ended while it took them).
  std::function<Status()> may_serve;
  // After each timestamp-stream completion, the oracle thread polls for the next one
  // without sleeping for this long (0: it sleeps at once). On a VM, waking a sleeping
  // thread costs tens of microseconds per round trip; polling costs CPU only while
  // requests keep coming within this gap.
  Duration busy_poll = microseconds(50);
  // Threads gRPC may run sequence calls on (its synchronous pool): a call that finds them
  // all busy (e.g. waiting for a slow store) fails at once with RESOURCE_EXHAUSTED.
  int max_sequence_threads = 64;
  // A connection with no call open for this long is closed (HTTP/2 GOAWAY; the client
  // library reconnects when it next calls), so idle clients do not keep descriptors for
  // good. A timestamp stream is a call open as long as its client keeps it.
  Duration max_connection_idle = minutes(5);
  // Problems the server works around on its own (accepting connections while out of file
  // descriptors), told once and then once a minute while they last; unset: not told.
  std::function<void(const std::string&)> warn = nullptr;
};

class TsoServer {
 public:
  // `oracle` and `sequencer` must outlive the server.
  static Result<std::unique_ptr<TsoServer>> start(TsoServerOptions options, TimestampOracle& oracle,
                                                  Sequencer& sequencer);
  virtual ~TsoServer() = default;
  // The bound TCP port (useful with port 0); 0 on a Unix socket.
  virtual int port() const = 0;
  // Stops accepting, cancels streams, joins threads. Idempotent; the destructor calls it.
  virtual void shutdown() = 0;
};

}  // namespace kairos::tso
