#include "cli/http_get.h"

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

namespace kairos::cli {

Result<HttpReply> http_get(const HostPort& server, const std::string& path, Duration timeout) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: " + server.to_string() + "\r\nConnection: close\r\n\r\n";
  std::string raw;
  std::error_code result = asio::error::would_block;
  std::array<char, 4096> chunk{};

  asio::ip::tcp::resolver resolver(io);
  std::error_code ec;
  auto endpoints = resolver.resolve(server.host, std::to_string(server.port), ec);
  if (ec) return Status::Unavailable("cannot resolve " + server.host + ": " + ec.message());

  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(chunk), [&](const std::error_code& e, std::size_t n) {
      raw.append(chunk.data(), n);
      if (raw.size() > tso::kMaxHttpResponseBytes) {
        result = asio::error::message_size;
      } else if (e) {
        result = e == asio::error::eof ? std::error_code() : e;
      } else {
        read_more();
      }
    });
  };
  asio::async_connect(socket, endpoints, [&](const std::error_code& e, const auto&) {
    if (e) {
      result = e;
      return;
    }
    asio::async_write(socket, asio::buffer(request), [&](const std::error_code& w, std::size_t) {
      if (w) {
        result = w;
        return;
      }
      read_more();
    });
  });
  io.run_for(timeout);
  if (result == asio::error::would_block) {
    return Status::DeadlineExceeded("no answer from " + server.to_string() + " within " +
                                    format_duration(timeout));
  }
  if (result) {
    return Status::Unavailable("cannot reach the kairos daemon at " + server.to_string() + ": " +
                               result.message());
  }
  Result<HttpReply> reply = tso::parse_http_response(raw);
  if (!reply.ok()) {
    return Status::Unavailable("bad HTTP reply from " + server.to_string() + ": " +
                               reply.status().message());
  }
  return reply;
}

}  // namespace kairos::cli
