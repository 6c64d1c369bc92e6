// ConnectionAcceptor: the gRPC API's listening sockets, accepted by kairos and each
// connection handed to gRPC (grpc::AddInsecureChannelFromFd).
//
// Why not gRPC's own listener: in gRPC 1.51 (Debian 12) one accept4 that fails with EMFILE
// ends it for good (grpc/grpc#20418). Once the daemon ran out of file descriptors, it
// never accepted a connection again, even after the others closed. Here the last
// `reserved_files` descriptors under the open-files limit are kept for the rest of the
// daemon (the store's writes need them): a connection that would take one is closed at
// once. A failed accept (EMFILE all the same) waits 100 ms and tries again; connections
// wait in the listen queue meanwhile. Failures are reported once, then once a minute
// while they last, then when they end.
//
// Listening: TCP on every address the host resolves to (at least one must bind), with
// SO_REUSEADDR but not SO_REUSEPORT, so a second daemon on the port is refused; Unix on
// PATH, replacing a socket file that nobody listens on (check_unix_socket_unused), and
// removing it on stop unless another server replaced it. Errors name the address and the
// reason.
//
// Thread safety: listen(), start() and stop() from one thread; `take` and `report` run on
// the acceptor's own thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kairos/status.h"
#include "kairos/time.h"
#include "tso/grpc_address.h"

namespace kairos::tso {

struct ConnectionAcceptorOptions {
  // Descriptors kept free under the soft RLIMIT_NOFILE as read by listen() (half of it when
  // the limit is not above this).
  int reserved_files = 64;
  // A connection is handed over once it has sent HTTP/2's client preface; one that has not
  // by then is closed, and so is one that sends anything else (gRPC's own listener gives a
  // client 120 s to finish its handshake; a connection added from a descriptor gets none).
  Duration preface_within = seconds(10);
  // Permission bits of a Unix socket file (0..0777), set before it accepts anyone (a
  // client needs write permission to connect); unset: what the process's umask gives.
  std::optional<std::uint32_t> unix_mode;
};

class ConnectionAcceptor {
 public:
  static Result<std::unique_ptr<ConnectionAcceptor>> listen(const GrpcAddress& address,
                                                            ConnectionAcceptorOptions options = {});
  ~ConnectionAcceptor();
  ConnectionAcceptor(const ConnectionAcceptor&) = delete;
  ConnectionAcceptor& operator=(const ConnectionAcceptor&) = delete;

  // The TCP port bound (the kernel's choice for port 0); 0 for a Unix socket.
  int port() const { return port_; }

  // Accepts until stop(). `take` owns each connected socket (non-blocking, close-on-exec,
  // TCP_NODELAY for TCP) once it has sent the preface (still unread). `report` gets the
  // lines about accepts that fail.
  void start(std::function<void(int fd)> take, std::function<void(const std::string&)> report);
  // Stops accepting, closes the listening sockets (removes the Unix socket file). Idempotent.
  void stop();

 private:
  // Which file a path names (device, inode).
  using FileId = std::pair<unsigned long, unsigned long>;

  // An accepted connection that has not sent HTTP/2's whole client preface yet.
  struct Quiet {
    int fd;
    MonoTime deadline;            // closed if still quiet then
    MonoTime look_again_at = {};  // after part of the preface: when to look again
  };
  enum class Preface { kWhole, kPart, kNone, kWrong };

  ConnectionAcceptor(std::vector<int> listeners, std::string unix_path, FileId unix_file, int port,
                     int fd_ceiling, Duration preface_within, int wake_fd);
  void run(const std::function<void(int fd)>& take,
           const std::function<void(const std::string&)>& report);
  static Preface preface_of(int fd);

  std::vector<int> listeners_;
  const std::string unix_path_;  // "" for TCP
  const FileId unix_file_;       // the socket file bound at unix_path_
  const int port_;
  const int fd_ceiling_;  // accepted descriptors from this number on are closed at once
  const Duration preface_within_;
  int wake_fd_;  // eventfd: stop() wakes the thread
  std::thread thread_;
};

}  // namespace kairos::tso
