#include "tso/endpoint_resolver.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include "kairos/clock.h"

namespace kairos::tso {
namespace {

std::uint16_t port_of(const ResolvedAddress& a) {
  return ntohs(a.storage.ss_family == AF_INET6
                   ? reinterpret_cast<const sockaddr_in6*>(&a.storage)->sin6_port
                   : reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_port);
}

TEST(EndpointResolver, NumericAddressesNeedNoLookupNotEvenTime) {
  EndpointResolver resolver;
  // A deadline already passed: a numeric address is never looked up, so it still resolves.
  Result<std::vector<ResolvedAddress>> v4 = resolver.resolve("127.0.0.1:2379", MonoTime::min());
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  ASSERT_EQ(v4->size(), 1u);
  EXPECT_EQ((*v4)[0].host(), "127.0.0.1");
  EXPECT_EQ(port_of((*v4)[0]), 2379);
  // Brackets around an IPv6 address are the endpoint's syntax, not the address's.
  Result<std::vector<ResolvedAddress>> v6 = resolver.resolve("[::1]:2380", MonoTime::min());
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  ASSERT_EQ(v6->size(), 1u);
  EXPECT_EQ((*v6)[0].host(), "::1");
  EXPECT_EQ((*v6)[0].storage.ss_family, AF_INET6);
  EXPECT_EQ(port_of((*v6)[0]), 2380);
}

TEST(EndpointResolver, AnEndpointThatIsNotHostPortIsInvalid) {
  EndpointResolver resolver;
  for (const char* bad : {"nocolon", ":2379", "127.0.0.1:"}) {
    Result<std::vector<ResolvedAddress>> r = resolver.resolve(bad, MonoTime::max());
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find(std::string("'") + bad + "' is not HOST:PORT"),
              std::string::npos)
        << r.status().message();
  }
}

TEST(EndpointResolver, ANameIsLookedUpAndGivesEveryAddress) {
  EndpointResolver resolver;
  // localhost is in every /etc/hosts: no name server is asked.
  const MonoTime deadline = SystemClock::instance().monotonic() + seconds(30);
  Result<std::vector<ResolvedAddress>> r = resolver.resolve("localhost:2379", deadline);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_FALSE(r->empty());
  for (const ResolvedAddress& a : *r) {
    EXPECT_TRUE(a.host() == "127.0.0.1" || a.host() == "::1") << a.host();
    EXPECT_EQ(port_of(a), 2379);
  }
  // A deadline long past leaves no time for a lookup: the last good addresses stand in.
  Result<std::vector<ResolvedAddress>> again = resolver.resolve("localhost:2379", MonoTime::min());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->size(), r->size());
}

TEST(EndpointResolver, APortThatIsNotANumberIsAnErrorNamingTheEndpoint) {
  EndpointResolver resolver;
  Result<std::vector<ResolvedAddress>> r =
      resolver.resolve("localhost:etcd", SystemClock::instance().monotonic() + seconds(30));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot resolve etcd endpoint localhost:etcd: "),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace kairos::tso
