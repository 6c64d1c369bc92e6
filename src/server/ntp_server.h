// NtpServer: the multi-threaded NTP responder. Each thread owns one SO_REUSEPORT UDP
// socket on the listen address (the kernel spreads clients across them), blocks in
// recvmmsg, stamps each request with its kernel receive time, reads the clock snapshot
// once per batch, builds replies with build_reply(), restamps transmit times right before
// one sendmmsg per batch. The packet path takes no lock and allocates nothing.
//
// Thread safety: start() and stop() from one thread; counters() and local_address() from
// any thread. The Clock and the snapshot cell must outlive the server.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "io/socket_address.h"
#include "kairos/clock.h"
#include "kairos/clock_snapshot.h"
#include "kairos/seqlock.h"
#include "kairos/status.h"
#include "server/rate_limiter.h"
#include "server/server_counters.h"

namespace kairos::server {

struct ServerOptions {
  io::SocketAddress listen;  // port 0: the kernel picks one (see local_address())
  int threads = 1;           // sockets and threads (>= 1)
  std::size_t batch = 64;    // datagrams per recvmmsg/sendmmsg
  RateLimitOptions rate_limit;
};

class NtpServer {
 public:
  NtpServer(ServerOptions options, const Clock& clock, const Seqlock<ClockSnapshot>& snapshot);
  ~NtpServer();
  NtpServer(const NtpServer&) = delete;
  NtpServer& operator=(const NtpServer&) = delete;

  // Binds every socket (an error names the address and the reason), then starts threads.
  Status start();
  // Stops and joins the threads (they notice within the socket receive timeout, 100 ms).
  void stop();

  io::SocketAddress local_address() const { return bound_; }
  ServerCounters counters() const;

 private:
  struct Worker;
  void run(Worker& w);

  ServerOptions options_;
  const Clock& clock_;
  const Seqlock<ClockSnapshot>& snapshot_;
  io::SocketAddress bound_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
};

}  // namespace kairos::server
