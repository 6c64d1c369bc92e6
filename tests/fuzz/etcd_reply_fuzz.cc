// Fuzz target: the decoders of etcd's JSON gateway replies (network bytes): a body that
// parses as a JSON object is fed to every decoder, as if it answered each request.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tso/etcd_reply.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kairos;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Result<nlohmann::json> reply = tso::parse_etcd_json(bytes);
  if (!reply.ok()) return 0;
  if (!reply->is_object()) __builtin_trap();
  (void)tso::etcd_refusal(200, *reply);
  Result<std::int64_t> lease = tso::decode_lease_grant(*reply);
  if (lease.ok() && *lease <= 0) __builtin_trap();
  Result<Duration> ttl = tso::decode_lease_keepalive(*reply);
  if (ttl.ok() && (*ttl < Duration(0) || *ttl > hours(24 * 365))) __builtin_trap();
  Result<std::optional<tso::EtcdKeyValue>> kv = tso::decode_range(*reply);
  if (kv.ok() && kv->has_value() && (*kv)->value.size() > size) __builtin_trap();
  Result<tso::EtcdTxnResult> txn = tso::decode_txn(*reply);
  if (txn.ok() && txn->ranges.size() > size) __builtin_trap();
  return 0;
}
