// Parsing of an HTTP/1.x request head, for the daemon's status endpoint. Strict and
// bounded: only GET/HEAD of an origin-form path; anything else is an error naming it.
#pragma once

#include <string>
#include <string_view>

#include "kairos/status.h"

namespace kairos::daemon {

inline constexpr std::size_t kMaxHttpHeadBytes = 8192;

struct HttpRequest {
  std::string method;  // "GET" or "HEAD"
  std::string path;    // without the query string
};

// `head` is everything up to and including the blank line ("\r\n\r\n").
Result<HttpRequest> parse_http_request_head(std::string_view head);

}  // namespace kairos::daemon
