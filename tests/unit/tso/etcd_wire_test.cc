#include <gtest/gtest.h>

#include <vector>

#include "tso/etcd_client.h"
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
