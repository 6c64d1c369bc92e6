#include "daemon/http_server.h"

#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <spdlog/spdlog.h>

#include "daemon/http_request.h"

namespace kairos::daemon {

struct HttpServer::State {
  asio::io_context& loop;
  asio::ip::tcp::acceptor acceptor;
  HttpHandler handler;
  HttpServerOptions options;
  std::size_t open_connections = 0;
  bool stopped = false;

  State(asio::io_context& l, HttpHandler h, HttpServerOptions o)
      : loop(l), acceptor(l), handler(std::move(h)), options(o) {}
};

namespace {

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

std::string serialize(const HttpResponse& r, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (!head_only) out += r.body;
  return out;
}

// One connection: read the head, answer, close. Owns itself through shared_ptr captures.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::ip::tcp::socket socket, std::shared_ptr<HttpServer::State> server)
      : socket_(std::move(socket)),
        timer_(server->loop),
        buffer_(kMaxHttpHeadBytes),
        server_(std::move(server)) {}
  ~Connection() { --server_->open_connections; }

  void run() {
    auto self = shared_from_this();
    timer_.expires_after(server_->options.idle_timeout);
    timer_.async_wait([self](const std::error_code& ec) {
      if (!ec) self->socket_.close();
    });
    asio::async_read_until(socket_, buffer_, "\r\n\r\n",
                           [self](const std::error_code& ec, std::size_t n) { self->on_head(ec, n); });
  }

 private:
  void on_head(const std::error_code& ec, std::size_t n) {
    HttpResponse response;
    bool head_only = false;
    if (ec) {
      if (ec != asio::error::not_found) return;  // closed or timed out: nothing to answer
      response = {400, "text/plain", "request head too large\n"};
    } else {
      const std::string head(asio::buffers_begin(buffer_.data()),
                             asio::buffers_begin(buffer_.data()) + static_cast<std::ptrdiff_t>(n));
      Result<HttpRequest> req = parse_http_request_head(head);
      if (!req.ok()) {
        const bool bad_method = req.status().message().rfind("method", 0) == 0;
        response = {bad_method ? 405 : 400, "text/plain", req.status().message() + "\n"};
      } else {
        head_only = req->method == "HEAD";
        response = server_->handler(req->path);
      }
    }
    out_ = serialize(response, head_only);
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(out_), [self](const std::error_code&, std::size_t) {
      std::error_code ignored;
      self->socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      self->socket_.close(ignored);
      self->timer_.cancel();
    });
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf buffer_;
  std::string out_;
  std::shared_ptr<HttpServer::State> server_;
};

void accept_next(const std::shared_ptr<HttpServer::State>& state) {
  state->acceptor.async_accept([state](const std::error_code& ec, asio::ip::tcp::socket socket) {
    if (state->stopped) return;
    if (!ec) {
      if (state->open_connections >= state->options.max_connections) {
        std::error_code ignored;
        socket.close(ignored);  // over the cap: refuse rather than queue without bound
      } else {
        ++state->open_connections;
        std::make_shared<Connection>(std::move(socket), state)->run();
      }
    }
    accept_next(state);
  });
}

}  // namespace

HttpServer::HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}
HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& loop,
                                                      const HostPort& listen, HttpHandler handler,
                                                      HttpServerOptions options) {
  std::error_code ec;
  const asio::ip::address address = asio::ip::make_address(listen.host, ec);
  if (ec) {
    return Status::InvalidArgument("http listen address '" + listen.host +
                                   "' is not an IP address literal");
  }
  auto state = std::make_shared<State>(loop, std::move(handler), options);
  const asio::ip::tcp::endpoint endpoint(address, listen.port);
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("cannot listen for HTTP on " + listen.to_string() + ": " +
                               ec.message());
  }
  accept_next(state);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HostPort HttpServer::local_address() const {
  std::error_code ec;
  const auto ep = state_->acceptor.local_endpoint(ec);
  return HostPort{ep.address().to_string(), ep.port()};
}

void HttpServer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  std::error_code ignored;
  state_->acceptor.close(ignored);
}

}  // namespace kairos::daemon
