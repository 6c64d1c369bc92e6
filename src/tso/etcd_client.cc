#include "tso/etcd_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <nlohmann/json.hpp>

#include "kairos/clock.h"
#include "tso/http_response.h"

namespace kairos::tso {
namespace {

using nlohmann::json;

MonoTime mono() { return SystemClock::instance().monotonic(); }

int remaining_ms(MonoTime deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - mono()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<std::int64_t>(left, 60'000));
}

// Waits for `events` on fd until the deadline.
bool wait_fd(int fd, short events, MonoTime deadline) {
  pollfd p{fd, events, 0};
  while (true) {
    const int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return false;
  }
}

// An open socket, closed when it goes.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Connects to `address` before `deadline`.
Result<Socket> connect_to(const ResolvedAddress& address, MonoTime deadline) {
  Socket s(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (s.fd() < 0) return Status::Unavailable(std::string("socket: ") + std::strerror(errno));
  if (::connect(s.fd(), address.sockaddr_ptr(), address.length) != 0 && errno != EINPROGRESS) {
    return Status::Unavailable(std::strerror(errno));
  }
  if (!wait_fd(s.fd(), POLLOUT, deadline)) return Status::Unavailable("timeout");
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return Status::Unavailable(std::strerror(err));
  return s;
}

// Connects to one of `endpoint`'s addresses, in order, each with an equal share of the
// time left ("localhost" may give ::1 first, where etcd listens on 127.0.0.1 only).
Result<Socket> connect_any(const std::string& endpoint,
                           const std::vector<ResolvedAddress>& addresses, MonoTime deadline) {
  std::string failures;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const MonoTime now = mono();
    const auto left = static_cast<std::int64_t>(addresses.size() - i);
    Result<Socket> s = connect_to(addresses[i], now + (deadline - now) / left);
    if (s.ok()) return s;
    failures += (failures.empty() ? "" : ", ") +
                (addresses.size() > 1 ? addresses[i].host() + ": " : "") + s.status().message();
  }
  return Status::Unavailable("connect " + endpoint + ": " + failures);
}

// One HTTP/1.1 POST with Connection: close; returns the raw response bytes.
Result<std::string> http_post(EndpointResolver& resolver, const std::string& endpoint,
                              std::string_view path, const std::string& body, MonoTime deadline) {
  Result<std::vector<ResolvedAddress>> addresses = resolver.resolve(endpoint, deadline);
  if (!addresses.ok()) return addresses.status();
  Result<Socket> socket = connect_any(endpoint, *addresses, deadline);
  if (!socket.ok()) return socket.status();
  const int fd = socket->fd();

  const std::string request =
      "POST " + std::string(path) + " HTTP/1.1\r\nHost: " + endpoint +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_fd(fd, POLLOUT, deadline))
        return Status::Unavailable("send to " + endpoint + ": timeout");
    } else {
      return Status::Unavailable("send to " + endpoint + ": " + std::strerror(errno));
    }
  }
  std::string reply;
  char buf[8192];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      reply.append(buf, static_cast<std::size_t>(n));
      if (reply.size() > kMaxHttpResponseBytes) {
        return Status::Unavailable("reply from " + endpoint + " is too large");
      }
    } else if (n == 0) {
      if (reply.empty()) return Status::Unavailable(endpoint + " closed the connection, no reply");
      return reply;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!wait_fd(fd, POLLIN, deadline))
        return Status::Unavailable("reply from " + endpoint + ": timeout");
    } else {
      return Status::Unavailable("recv from " + endpoint + ": " + std::strerror(errno));
    }
  }
}

json op_json(const EtcdOp& op) {
  if (op.put) {
    json put = {{"key", base64_encode(op.key)}, {"value", base64_encode(op.value)}};
    if (op.lease != 0) put["lease"] = std::to_string(op.lease);
    return {{"request_put", put}};
  }
  return {{"request_range", {{"key", base64_encode(op.key)}}}};
}

}  // namespace

EtcdClient::EtcdClient(std::vector<std::string> endpoints, Duration timeout) : timeout_(timeout) {
  for (std::string& ep : endpoints) {
    if (ep.starts_with("http://")) ep = ep.substr(7);
    while (!ep.empty() && ep.back() == '/') ep.pop_back();
    endpoints_.push_back(std::move(ep));
  }
}

std::string EtcdClient::describe() const {
  std::string s;
  for (const auto& ep : endpoints_) s += (s.empty() ? "" : ",") + ep;
  return s;
}

Result<json> EtcdClient::call(std::string_view path, const json& body) {
  const MonoTime deadline = mono() + timeout_;
  const std::string text = body.dump();
  Status last = Status::Unavailable("no etcd endpoints");
  const std::size_t start = current_.load();
  for (std::size_t k = 0; k < endpoints_.size() && mono() < deadline; ++k) {
    const std::size_t i = (start + k) % endpoints_.size();
    // The member that answered last gets half the time (a slow commit is still an answer),
    // the others equal shares of the rest: one that accepts and never answers (powered off,
    // cut off from its quorum) must not use up the call.
    const MonoTime now = mono();
    const std::int64_t to_try = static_cast<std::int64_t>(endpoints_.size() - k);
    const MonoTime attempt_deadline =
        now + (deadline - now) / (k == 0 && to_try > 1 ? std::int64_t{2} : to_try);
    Result<std::string> raw = http_post(resolver_, endpoints_[i], path, text, attempt_deadline);
    if (!raw.ok()) {
      last = raw.status();
      continue;
    }
    Result<HttpResponse> resp = parse_http_response(*raw);
    if (!resp.ok()) {
      last = Status::Unavailable("etcd " + endpoints_[i] + std::string(path) + ": " +
                                 resp.status().message());
      continue;
    }
    Result<json> j = parse_etcd_json(resp->body);
    if (!j.ok()) {
      last = Status::Unavailable("etcd " + endpoints_[i] + std::string(path) + ": " +
                                 j.status().message());
      continue;
    }
    if (std::optional<std::string> refusal = etcd_refusal(resp->status, *j)) {
      // etcd answered: a refusal is not a reason to try another member.
      current_.store(i);
      return Status::Unavailable("etcd " + endpoints_[i] + std::string(path) + ": " + *refusal);
    }
    current_.store(i);
    return std::move(*j);
  }
  return last;
}

Result<std::int64_t> EtcdClient::lease_grant(Duration ttl) {
  const auto secs = std::chrono::duration_cast<seconds>(ttl + milliseconds(999)).count();
  Result<json> j = call("/v3/lease/grant", {{"TTL", std::to_string(secs)}});
  if (!j.ok()) return j.status();
  return decode_lease_grant(*j);
}

Result<Duration> EtcdClient::lease_keepalive(std::int64_t lease) {
  Result<json> j = call("/v3/lease/keepalive", {{"ID", std::to_string(lease)}});
  if (!j.ok()) return j.status();
  return decode_lease_keepalive(*j);
}

Status EtcdClient::lease_revoke(std::int64_t lease) {
  Result<json> j = call("/v3/lease/revoke", {{"ID", std::to_string(lease)}});
  return j.ok() ? Status::Ok() : j.status();
}

Result<std::optional<EtcdKeyValue>> EtcdClient::get(std::string_view key) {
  Result<json> j = call("/v3/kv/range", {{"key", base64_encode(key)}});
  if (!j.ok()) return j.status();
  return decode_range(*j);
}

Result<EtcdTxnResult> EtcdClient::txn(const std::vector<EtcdCompare>& compare,
                                      const std::vector<EtcdOp>& success,
                                      const std::vector<EtcdOp>& failure) {
  json body = {{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
  for (const EtcdCompare& c : compare) {
    json cj = {{"result", "EQUAL"}, {"key", base64_encode(c.key)}};
    switch (c.target) {
      case EtcdCompare::Target::kCreateRevision:
        cj["target"] = "CREATE";
        cj["create_revision"] = std::to_string(c.number);
        break;
      case EtcdCompare::Target::kVersion:
        cj["target"] = "VERSION";
        cj["version"] = std::to_string(c.number);
        break;
      case EtcdCompare::Target::kValue:
        cj["target"] = "VALUE";
        cj["value"] = base64_encode(c.value);
        break;
    }
    body["compare"].push_back(cj);
  }
  for (const EtcdOp& op : success) body["success"].push_back(op_json(op));
  for (const EtcdOp& op : failure) body["failure"].push_back(op_json(op));
  Result<json> j = call("/v3/kv/txn", body);
  if (!j.ok()) return j.status();
  return decode_txn(*j);
}

}  // namespace kairos::tso
