#include "daemon/http_request.h"

namespace kairos::daemon {

Result<HttpRequest> parse_http_request_head(std::string_view head) {
  if (head.size() > kMaxHttpHeadBytes) return Status::OutOfRange("request head too large");
  const auto eol = head.find("\r\n");
  if (eol == std::string_view::npos) return Status::InvalidArgument("no request line");
  const std::string_view line = head.substr(0, eol);
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Status::InvalidArgument("malformed request line");
  }
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Status::InvalidArgument("unsupported HTTP version");
  }
  if (method != "GET" && method != "HEAD") {
    return Status::InvalidArgument("method not allowed: only GET and HEAD");
  }
  if (target.empty() || target.front() != '/') {
    return Status::InvalidArgument("request target must be a path");
  }
  if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  for (char c : target) {
    if (c <= ' ' || c == 0x7f) return Status::InvalidArgument("control character in path");
  }
  return HttpRequest{std::string(method), std::string(target)};
}

}  // namespace kairos::daemon
