#include "tso/http_response.h"

#include <cctype>
#include <charconv>

namespace kairos::tso {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Result<std::string> dechunk(std::string_view in) {
  std::string out;
  while (true) {
    const std::size_t nl = in.find("\r\n");
    if (nl == std::string_view::npos) return Status::InvalidArgument("truncated chunk size line");
    std::string_view size_text = in.substr(0, nl);
    if (std::size_t semi = size_text.find(';'); semi != std::string_view::npos) {
      size_text = size_text.substr(0, semi);  // chunk extensions
    }
    size_text = trim(size_text);
    std::size_t size = 0;
    auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc() || p != size_text.data() + size_text.size()) {
      return Status::InvalidArgument("bad chunk size '" + std::string(size_text.substr(0, 20)) +
                                     "'");
    }
    in.remove_prefix(nl + 2);
    if (size == 0) return out;  // trailers, if any, are ignored
    if (size > in.size() || in.size() - size < 2) return Status::InvalidArgument("truncated chunk");
    out.append(in.substr(0, size));
    if (in.substr(size, 2) != "\r\n") return Status::InvalidArgument("chunk not followed by CRLF");
    in.remove_prefix(size + 2);
  }
}

}  // namespace

Result<HttpResponse> parse_http_response(std::string_view bytes) {
  if (bytes.size() > kMaxHttpResponseBytes) {
    return Status::InvalidArgument("HTTP response larger than " +
                                   std::to_string(kMaxHttpResponseBytes) + " bytes");
  }
  const std::size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return Status::InvalidArgument("HTTP response has no end of headers");
  }
  std::string_view head = bytes.substr(0, head_end);
  std::string_view body = bytes.substr(head_end + 4);
  std::size_t line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
    return Status::InvalidArgument("bad HTTP status line");
  }
  HttpResponse r;
  std::string_view code = status_line.substr(9, 3);
  auto [p, ec] = std::from_chars(code.data(), code.data() + 3, r.status);
  if (ec != std::errc() || p != code.data() + 3 || r.status < 100 || r.status > 599) {
    return Status::InvalidArgument("bad HTTP status code");
  }
  bool chunked = false;
  bool have_length = false;
  std::size_t length = 0;
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Status::InvalidArgument("bad HTTP header line");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "transfer-encoding")) {
      chunked = iequals(value, "chunked");
      if (!chunked) return Status::InvalidArgument("unsupported transfer encoding");
    } else if (iequals(name, "content-length")) {
      auto [q, e] = std::from_chars(value.data(), value.data() + value.size(), length);
      if (value.empty() || e != std::errc() || q != value.data() + value.size()) {
        return Status::InvalidArgument("bad Content-Length");
      }
      have_length = true;
    }
  }
  if (chunked) {
    Result<std::string> d = dechunk(body);
    if (!d.ok()) return d.status();
    r.body = std::move(*d);
  } else if (have_length) {
    if (body.size() < length)
      return Status::InvalidArgument("HTTP body shorter than Content-Length");
    r.body = std::string(body.substr(0, length));
  } else {
    r.body = std::string(body);
  }
  return r;
}

}  // namespace kairos::tso
