// EtcdClient: the few etcd v3 calls kairos needs (lease grant/keepalive/revoke, range,
// txn), over etcd's JSON gateway (`POST /v3/...`, HTTP/1.1, one connection per call) so
// no etcd gRPC stubs are needed. Keys and values are bytes (base64 on the wire, plain
// strings here); int64s travel as JSON strings.
//
// Each call tries the endpoints in turn, starting with the one that answered last, until
// one answers or `timeout` passes; a name is looked up within that time, falling back to
// its last good addresses (EndpointResolver), and each of its addresses is tried. The first try gets half the time, the others equal
// shares of the rest, so a member that accepts and never answers cannot use it all.
// An answer that is not HTTP 200 is an error naming the endpoint and etcd's message.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kairos/status.h"
#include "kairos/time.h"
#include "tso/endpoint_resolver.h"
#include "tso/etcd_reply.h"

namespace kairos::tso {

// One compare of a txn (all are EQUAL).
struct EtcdCompare {
  enum class Target { kCreateRevision, kVersion, kValue } target;
  std::string key;
  std::int64_t number = 0;  // revision or version
  std::string value;        // for kValue
};

// One operation of a txn: a put (with an optional lease) or a range read of one key.
struct EtcdOp {
  static EtcdOp Put(std::string key, std::string value, std::int64_t lease = 0) {
    return {true, std::move(key), std::move(value), lease};
  }
  static EtcdOp Range(std::string key) { return {false, std::move(key), "", 0}; }

  bool put = false;
  std::string key;
  std::string value;
  std::int64_t lease = 0;
};

class EtcdClient {
 public:
  // endpoints: "HOST:PORT" or "http://HOST:PORT" (plain HTTP on loopback or a trusted net).
  EtcdClient(std::vector<std::string> endpoints, Duration timeout);

  Result<std::int64_t> lease_grant(Duration ttl);
  // The lease's remaining TTL after the refresh; zero when the lease no longer exists.
  Result<Duration> lease_keepalive(std::int64_t lease);
  Status lease_revoke(std::int64_t lease);
  Result<std::optional<EtcdKeyValue>> get(std::string_view key);
  Result<EtcdTxnResult> txn(const std::vector<EtcdCompare>& compare,
                            const std::vector<EtcdOp>& success, const std::vector<EtcdOp>& failure);

  std::string describe() const;

 private:
  // POSTs `body` to `path` and returns the parsed JSON reply of HTTP 200.
  Result<nlohmann::json> call(std::string_view path, const nlohmann::json& body);

  std::vector<std::string> endpoints_;  // "HOST:PORT"
  Duration timeout_;
  std::atomic<std::size_t> current_{0};
  EndpointResolver resolver_;
};

}  // namespace kairos::tso
