// ConnectionAcceptor: the gRPC API's listening sockets, accepted by kairos and each
// connection handed to gRPC (grpc::AddInsecureChannelFromFd).
//
// Why not gRPC's own listener: in gRPC 1.51 (Debian 12) one accept4 that fails with EMFILE
// ends it for good (grpc/grpc#20418). Once the daemon ran out of file descriptors, it
// never accepted a connection again, even after the others closed. Here a failed accept
// waits 100 ms and tries again; connections wait in the listen queue meanwhile, and the
// failure is reported once (then once a minute while it lasts, then when it ends).
//
// Listening: TCP on every address the host resolves to (at least one must bind), with
// SO_REUSEADDR but not SO_REUSEPORT, so a second daemon on the port is refused; Unix on
// PATH, replacing a socket file that nobody listens on (check_unix_socket_unused), and
// removing it on stop. Errors name the address and the reason.
//
// Thread safety: listen(), start() and stop() from one thread; `take` and `report` run on
// the acceptor's own thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kairos/status.h"
#include "tso/grpc_address.h"

namespace kairos::tso {

class ConnectionAcceptor {
 public:
  static Result<std::unique_ptr<ConnectionAcceptor>> listen(const GrpcAddress& address);
  ~ConnectionAcceptor();
  ConnectionAcceptor(const ConnectionAcceptor&) = delete;
  ConnectionAcceptor& operator=(const ConnectionAcceptor&) = delete;

  // The TCP port bound (the kernel's choice for port 0); 0 for a Unix socket.
  int port() const { return port_; }

  // Accepts until stop(). `take` owns each connected socket (non-blocking, close-on-exec,
  // TCP_NODELAY for TCP). `report` gets the lines about accepts that fail.
  void start(std::function<void(int fd)> take, std::function<void(const std::string&)> report);
  // Stops accepting, closes the listening sockets (removes the Unix socket file). Idempotent.
  void stop();

 private:
  ConnectionAcceptor(std::vector<int> listeners, std::string unix_path, int port, int wake_fd);
  void run(const std::function<void(int fd)>& take,
           const std::function<void(const std::string&)>& report);

  std::vector<int> listeners_;
  const std::string unix_path_;  // "" for TCP
  const int port_;
  int wake_fd_;  // eventfd: stop() wakes the thread
  std::thread thread_;
};

}  // namespace kairos::tso
