// The bytes of etcd's v3 JSON gateway (outside bytes: a fuzz target reads them too).
// Requests and replies are JSON objects; keys and values are base64; int64s are JSON
// strings of decimal digits (as etcd writes them) or JSON integers, and an absent field
// is zero (proto3 JSON omits zero values). A reply that breaks these rules is an
// UNAVAILABLE error naming the field, never a silent zero: the store is misbehaving.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::tso {

struct EtcdKeyValue {
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t lease = 0;
};

struct EtcdTxnResult {
  bool succeeded = false;
  std::int64_t revision = 0;  // the store revision after the txn
  // Values of the keys read by request_range operations, in order (nullopt: absent).
  std::vector<std::optional<EtcdKeyValue>> ranges;
};

std::string base64_encode(std::string_view bytes);
Result<std::string> base64_decode(std::string_view text);

// A reply body: a JSON object, or an error.
Result<nlohmann::json> parse_etcd_json(std::string_view body);
// etcd's message when the reply (of HTTP status `http_status`) refuses the request: not
// 200, or an "error" field. nullopt when it does not.
std::optional<std::string> etcd_refusal(int http_status, const nlohmann::json& reply);

// The lease ID (> 0) of a /v3/lease/grant reply.
Result<std::int64_t> decode_lease_grant(const nlohmann::json& reply);
// The remaining TTL (>= 0, at most a year) of a /v3/lease/keepalive reply; zero when the
// lease no longer exists.
Result<Duration> decode_lease_keepalive(const nlohmann::json& reply);
// The first key-value of a /v3/kv/range reply (or of a txn's response_range), if any.
Result<std::optional<EtcdKeyValue>> decode_range(const nlohmann::json& reply);
// A /v3/kv/txn reply.
Result<EtcdTxnResult> decode_txn(const nlohmann::json& reply);

}  // namespace kairos::tso
