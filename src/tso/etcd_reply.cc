#include "tso/etcd_reply.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace kairos::tso {
namespace {

using nlohmann::json;

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Longer than any lease kairos asks for (seconds); a larger TTL is not etcd's.
constexpr std::int64_t kMaxTtlSeconds = 365LL * 24 * 3600;

Status bad_field(const char* key, const char* what) {
  return Status::Unavailable(std::string("etcd reply: field '") + key + "' " + what);
}

// An int64 field of `obj` (zero when absent).
Result<std::int64_t> int64_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::int64_t{0};
  if (it->is_string()) {
    const std::string& s = it->get_ref<const std::string&>();
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
      return bad_field(key, "is not a decimal int64");
    }
    return v;
  }
  if (it->is_number_integer() &&
      !(it->is_number_unsigned() &&
        it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
    return it->get<std::int64_t>();
  }
  return bad_field(key, "is not an int64");
}

// An object-valued field of `obj`: nullptr when absent, an error when not an object.
Result<const json*> object_field(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return static_cast<const json*>(nullptr);
  if (!it->is_object()) return bad_field(key, "is not an object");
  return &*it;
}

Result<EtcdKeyValue> decode_kv(const json& kv) {
  if (!kv.is_object()) return bad_field("kvs", "holds a non-object");
  EtcdKeyValue out;
  if (auto v = kv.find("value"); v != kv.end()) {
    if (!v->is_string()) return bad_field("value", "is not a string");
    Result<std::string> value = base64_decode(v->get_ref<const std::string&>());
    if (!value.ok()) return bad_field("value", "is not base64");
    out.value = std::move(*value);
  }
  for (auto [key, field] :
       {std::pair{"create_revision", &out.create_revision},
        std::pair{"mod_revision", &out.mod_revision}, std::pair{"lease", &out.lease}}) {
    Result<std::int64_t> n = int64_field(kv, key);
    if (!n.ok()) return n.status();
    *field = *n;
  }
  return out;
}

}  // namespace

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = (static_cast<std::uint8_t>(in[i]) << 16) |
                            (static_cast<std::uint8_t>(in[i + 1]) << 8) |
                            static_cast<std::uint8_t>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kB64[(v >> s) & 63];
  }
  if (i < in.size()) {
    std::uint32_t v = static_cast<std::uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<std::uint8_t>(in[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return Status::InvalidArgument("base64 length is not a multiple of 4");
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    std::uint32_t v = 0;
    int pad = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = in[i + k];
      std::size_t d = 0;
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        ++pad;
      } else if (pad > 0 || (d = kB64.find(c)) == std::string_view::npos) {
        return Status::InvalidArgument("bad base64 character");
      }
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    out += static_cast<char>((v >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

Result<json> parse_etcd_json(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Unavailable("reply is not a JSON object");
  }
  return j;
}

std::optional<std::string> etcd_refusal(int http_status, const json& reply) {
  if (http_status == 200 && !reply.contains("error")) return std::nullopt;
  std::string msg = "HTTP " + std::to_string(http_status);
  for (const char* field : {"error", "message"}) {
    if (auto e = reply.find(field); e != reply.end() && e->is_string()) msg = e->get<std::string>();
  }
  return msg;
}

Result<std::int64_t> decode_lease_grant(const json& reply) {
  Result<std::int64_t> id = int64_field(reply, "ID");
  if (!id.ok()) return id.status();
  if (*id <= 0) return Status::Unavailable("etcd lease grant returned no lease ID");
  return *id;
}

Result<Duration> decode_lease_keepalive(const json& reply) {
  Result<const json*> result = object_field(reply, "result");
  if (!result.ok()) return result.status();
  if (*result == nullptr) return Duration(0);  // the lease is gone
  Result<std::int64_t> ttl = int64_field(**result, "TTL");
  if (!ttl.ok()) return ttl.status();
  if (*ttl > kMaxTtlSeconds) return bad_field("TTL", "is over a year");
  return *ttl <= 0 ? Duration(0) : Duration(seconds(*ttl));
}

Result<std::optional<EtcdKeyValue>> decode_range(const json& reply) {
  auto kvs = reply.find("kvs");
  if (kvs == reply.end()) return std::optional<EtcdKeyValue>();
  if (!kvs->is_array()) return bad_field("kvs", "is not an array");
  if (kvs->empty()) return std::optional<EtcdKeyValue>();
  Result<EtcdKeyValue> kv = decode_kv(kvs->front());
  if (!kv.ok()) return kv.status();
  return std::optional<EtcdKeyValue>(std::move(*kv));
}

Result<EtcdTxnResult> decode_txn(const json& reply) {
  EtcdTxnResult r;
  if (auto ok = reply.find("succeeded"); ok != reply.end()) {
    if (!ok->is_boolean()) return bad_field("succeeded", "is not a boolean");
    r.succeeded = ok->get<bool>();
  }
  Result<const json*> header = object_field(reply, "header");
  if (!header.ok()) return header.status();
  if (*header != nullptr) {
    Result<std::int64_t> revision = int64_field(**header, "revision");
    if (!revision.ok()) return revision.status();
    r.revision = *revision;
  }
  auto responses = reply.find("responses");
  if (responses == reply.end()) return r;
  if (!responses->is_array()) return bad_field("responses", "is not an array");
  for (const json& op : *responses) {
    if (!op.is_object()) return bad_field("responses", "holds a non-object");
    Result<const json*> range = object_field(op, "response_range");
    if (!range.ok()) return range.status();
    if (*range == nullptr) continue;
    Result<std::optional<EtcdKeyValue>> kv = decode_range(**range);
    if (!kv.ok()) return kv.status();
    r.ranges.push_back(std::move(*kv));
  }
  return r;
}

}  // namespace kairos::tso
