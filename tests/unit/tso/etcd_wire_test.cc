#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "tso/etcd_reply.h"
#include "tso/http_response.h"

namespace kairos::tso {
namespace {

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (const std::string& s : std::vector<std::string>{
           "", "a", "ab", "abc", "abcd", "/kairos/tso/leader", std::string("\0\xff", 2)}) {
    Result<std::string> back = base64_decode(base64_encode(s));
    ASSERT_TRUE(back.ok()) << s;
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(base64_encode("ts"), "dHM=");
  EXPECT_FALSE(base64_decode("abc").ok());
  EXPECT_FALSE(base64_decode("a=bc").ok());
  EXPECT_FALSE(base64_decode("ab!c").ok());
}

// Replies of etcd 3.4.23's JSON gateway, as captured from Debian's etcd-server.
constexpr std::string_view kGrant =
    R"({"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709",)"
    R"("revision":"1","raft_term":"2"},"ID":"4111120410064047365","TTL":"5"})";
constexpr std::string_view kKeepalive =
    R"({"result":{"header":{"revision":"1","raft_term":"2"},"ID":"4111120410064047367",)"
    R"("TTL":"5"}})";
constexpr std::string_view kKeepaliveGone =
    R"({"result":{"header":{"revision":"3","raft_term":"2"},"ID":"4111120410064047367"}})";
constexpr std::string_view kRange =
    R"({"header":{"revision":"2","raft_term":"2"},"kvs":[{"key":"a3Rz","create_revision":"2",)"
    R"("mod_revision":"2","version":"1","value":"MTIz","lease":"4111120410064047367"}],)"
    R"("count":"1"})";
constexpr std::string_view kRangeEmpty = R"({"header":{"revision":"1","raft_term":"2"}})";
constexpr std::string_view kTxnPut =
    R"({"header":{"revision":"2","raft_term":"2"},"succeeded":true,)"
    R"("responses":[{"response_put":{"header":{"revision":"2"}}}]})";
constexpr std::string_view kTxnRead =
    R"({"header":{"revision":"2","raft_term":"2"},"responses":[{"response_range":{"header":)"
    R"({"revision":"2"},"kvs":[{"key":"a3Rz","create_revision":"2","mod_revision":"2",)"
    R"("version":"1","value":"MTIz","lease":"4111120410064047367"}],"count":"1"}}]})";
constexpr std::string_view kRefused =
    R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested )"
    R"(lease not found","code":5})";

nlohmann::json reply(std::string_view body) {
  Result<nlohmann::json> j = parse_etcd_json(body);
  EXPECT_TRUE(j.ok()) << body;
  return j.ok() ? *j : nlohmann::json::object();
}

TEST(EtcdReply, DecodesEtcdsOwnReplies) {
  Result<std::int64_t> lease = decode_lease_grant(reply(kGrant));
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_EQ(*lease, 4111120410064047365);
  Result<Duration> ttl = decode_lease_keepalive(reply(kKeepalive));
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(*ttl, seconds(5));
  ttl = decode_lease_keepalive(reply(kKeepaliveGone));
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(*ttl, Duration(0));

  Result<std::optional<EtcdKeyValue>> kv = decode_range(reply(kRange));
  ASSERT_TRUE(kv.ok() && kv->has_value());
  EXPECT_EQ((*kv)->value, "123");
  EXPECT_EQ((*kv)->create_revision, 2);
  EXPECT_EQ((*kv)->mod_revision, 2);
  EXPECT_EQ((*kv)->lease, 4111120410064047367);
  kv = decode_range(reply(kRangeEmpty));
  ASSERT_TRUE(kv.ok());
  EXPECT_FALSE(kv->has_value());

  Result<EtcdTxnResult> put = decode_txn(reply(kTxnPut));
  ASSERT_TRUE(put.ok());
  EXPECT_TRUE(put->succeeded);
  EXPECT_EQ(put->revision, 2);
  EXPECT_TRUE(put->ranges.empty());
  Result<EtcdTxnResult> read = decode_txn(reply(kTxnRead));
  ASSERT_TRUE(read.ok());
  EXPECT_FALSE(read->succeeded);  // proto3 leaves out false
  ASSERT_EQ(read->ranges.size(), 1u);
  ASSERT_TRUE(read->ranges[0].has_value());
  EXPECT_EQ(read->ranges[0]->value, "123");

  EXPECT_EQ(etcd_refusal(200, reply(kRange)), std::nullopt);
  EXPECT_EQ(etcd_refusal(200, reply(kRefused)), "etcdserver: requested lease not found");
  EXPECT_EQ(etcd_refusal(503, reply("{}")), "HTTP 503");
}

// What a store that misbehaves gets: an error naming the field, not a zero.
TEST(EtcdReply, RejectsWhatEtcdDoesNotWrite) {
  EXPECT_FALSE(parse_etcd_json("").ok());
  EXPECT_FALSE(parse_etcd_json("[1]").ok());
  EXPECT_FALSE(parse_etcd_json("{\"a\":").ok());
  const auto error_of = [](const Status& s) { return s.message(); };
  EXPECT_EQ(error_of(decode_lease_grant(reply(R"({"ID":"12abc"})")).status()),
            "etcd reply: field 'ID' is not a decimal int64");
  EXPECT_EQ(error_of(decode_lease_grant(reply(R"({"ID":"9223372036854775808"})")).status()),
            "etcd reply: field 'ID' is not a decimal int64");
  EXPECT_EQ(error_of(decode_lease_grant(reply(R"({"ID":18446744073709551615})")).status()),
            "etcd reply: field 'ID' is not an int64");
  EXPECT_EQ(error_of(decode_lease_grant(reply(R"({"ID":1.5})")).status()),
            "etcd reply: field 'ID' is not an int64");
  EXPECT_EQ(decode_lease_grant(reply(R"({})")).status().message(),
            "etcd lease grant returned no lease ID");
  EXPECT_EQ(decode_lease_grant(reply(R"({"ID":7})")).value(), 7);  // a JSON integer is fine
  // A TTL that would overflow a Duration in nanoseconds.
  EXPECT_EQ(
      error_of(
          decode_lease_keepalive(reply(R"({"result":{"TTL":"9223372036854775807"}})")).status()),
      "etcd reply: field 'TTL' is over a year");
  EXPECT_EQ(decode_lease_keepalive(reply(R"({"result":{"TTL":"-1"}})")).value(), Duration(0));
  EXPECT_FALSE(decode_lease_keepalive(reply(R"({"result":[]})")).ok());
  EXPECT_EQ(error_of(decode_range(reply(R"({"kvs":[{"value":"M"}]})")).status()),
            "etcd reply: field 'value' is not base64");
  EXPECT_FALSE(decode_range(reply(R"({"kvs":{}})")).ok());
  EXPECT_FALSE(decode_range(reply(R"({"kvs":[3]})")).ok());
  EXPECT_FALSE(decode_range(reply(R"({"kvs":[{"value":5}]})")).ok());
  EXPECT_FALSE(decode_range(reply(R"({"kvs":[{"mod_revision":"x"}]})")).ok());
  EXPECT_FALSE(decode_txn(reply(R"({"succeeded":"true"})")).ok());
  EXPECT_FALSE(decode_txn(reply(R"({"header":"h"})")).ok());
  EXPECT_FALSE(decode_txn(reply(R"({"responses":[7]})")).ok());
  EXPECT_FALSE(decode_txn(reply(R"({"responses":[{"response_range":[]}]})")).ok());
}

TEST(HttpResponse, ContentLengthChunkedAndClose) {
  Result<HttpResponse> a =
      parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}trailing");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, "{}");
  Result<HttpResponse> b = parse_http_response(
      "HTTP/1.1 200 OK\r\ntransfer-encoding: "
      "Chunked\r\n\r\n3\r\n{\"a\r\n4;x=y\r\n\":1}\r\n0\r\n\r\n");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->body, "{\"a\":1}");
  Result<HttpResponse> c = parse_http_response("HTTP/1.0 503 Busy\r\n\r\nbody");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->status, 503);
  EXPECT_EQ(c->body, "body");
}

TEST(HttpResponse, RejectsMalformedResponses) {
  EXPECT_FALSE(parse_http_response("").ok());
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\n").ok());
  EXPECT_FALSE(parse_http_response("SMTP 200 OK\r\n\r\n").ok());
  EXPECT_FALSE(parse_http_response("HTTP/1.1 2x0 OK\r\n\r\n").ok());
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort").ok());
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").ok());
  EXPECT_FALSE(
      parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nab").ok());
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").ok());
  EXPECT_FALSE(parse_http_response("HTTP/1.1 200 OK\r\nno colon\r\n\r\n").ok());
}

}  // namespace
}  // namespace kairos::tso
