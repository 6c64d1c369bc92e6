// A parser for HTTP/1.1 responses: etcd's JSON gateway's, and the daemon's status
// endpoint's for the CLI (bytes from the network, so strict and bounded: at most kMaxHttpResponseBytes, clear errors). It accepts a
// status line, headers, and a body framed by Content-Length, by chunked transfer coding,
// or by the end of the connection (we always send `Connection: close`).
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "kairos/status.h"

namespace kairos::tso {

inline constexpr std::size_t kMaxHttpResponseBytes = 1 << 20;

struct HttpResponse {
  int status = 0;    // 100..599
  std::string body;  // de-chunked
};

// `bytes` is everything read until the peer closed the connection.
Result<HttpResponse> parse_http_response(std::string_view bytes);

}  // namespace kairos::tso
