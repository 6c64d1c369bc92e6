// HttpServer: the daemon's status endpoint (/status, /healthz, /readyz), HTTP/1.1 on the
// daemon's asio loop. One request per connection; heads are bounded (8 KiB), idle
// connections time out, and concurrent connections are capped, so a slow or hostile
// client costs bounded memory.
//
// Thread safety: start/stop and the handler run on the loop's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "kairos/host_port.h"
#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::daemon {

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Called with the request path ("/status"); returns the response.
using HttpHandler = std::function<HttpResponse(const std::string& path)>;

struct HttpServerOptions {
  Duration idle_timeout = std::chrono::seconds(5);
  std::size_t max_connections = 64;
};

class HttpServer {
 public:
  // Binds and starts accepting on `loop`. The host must be a literal address.
  static Result<std::unique_ptr<HttpServer>> start(asio::io_context& loop, const HostPort& listen,
                                                   HttpHandler handler,
                                                   HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound address (the port is the kernel's choice when 0 was asked).
  HostPort local_address() const;
  // Stops accepting; open connections finish or time out.
  void stop();

  struct State;  // shared with the connections; defined in http_server.cc

 private:
  explicit HttpServer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace kairos::daemon
