// etcd_fence_check ENDPOINTS: against a real etcd, checks that a deposed TSO leader can
// never advance a high-water mark again (tests/integration/tso_ha_test.sh runs it):
//  1. leader A is elected and writes a mark; A's leadership ends (lease revoked);
//  2. leader B is elected and moves the mark on;
//  3. writes with A's old fence are refused, whatever value they expect;
//  4. a term whose lease simply expired (no keepalive for longer than its TTL) is refused too.
// And that faults between a node and etcd (a TCP proxy the check controls) end neither
// leadership for good nor a call:
//  5. a leader cut off from etcd steps down, and a node leads again once etcd is reachable;
//  6. a node whose winning campaign's reply was lost leads;
//  7. a mark write whose reply was lost, sent again to the next member, counts as done;
//  8. a first endpoint that accepts and never answers leaves time for the next one.
// Prints one line per check; exits 1 when any failed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include "kairos/clock.h"
#include "tools/check_lines.h"
#include "tools/tcp_test_proxy.h"
#include "tso/etcd_client.h"
#include "tso/etcd_election.h"
#include "tso/etcd_store.h"

namespace {

using namespace kairos;
using namespace kairos::tso;

using tools::check;

// Whether `done` holds within `limit`, asked every 20 ms.
template <typename Done>
bool within(Duration limit, Done done) {
  const MonoTime deadline = SystemClock::instance().monotonic() + limit;
  while (SystemClock::instance().monotonic() < deadline) {
    if (done()) return true;
    SystemClock::instance().sleep_until(SystemClock::instance().monotonic() + milliseconds(20));
  }
  return false;
}

bool wait_leader(const EtcdElection& e) {
  return within(seconds(10), [&] { return e.is_leader(); });
}

// The port of "HOST:PORT" or "http://HOST:PORT".
std::uint16_t port_of(const std::string& endpoint) {
  return static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

// A loopback socket that takes connections into its backlog and never answers: an etcd
// member powered off behind a load balancer, or cut off from its quorum.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&a), n) == 0 &&
        ::listen(fd_, 16) == 0 && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n) == 0)
      address_ = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  ~SilentListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  const std::string& address() const { return address_; }  // "" if it could not listen

 private:
  int fd_ = -1;
  std::string address_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: etcd_fence_check HOST:PORT[,HOST:PORT...]\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::vector<std::string> endpoints;
  std::stringstream in(argv[1]);
  for (std::string ep; std::getline(in, ep, ',');) endpoints.push_back(ep);
  EtcdClient client(endpoints, seconds(2));
  const std::string prefix = "/fence-check/";
  auto log = [](const std::string& e) { std::fprintf(stderr, "election: %s\n", e.c_str()); };
  auto node = [&](const char* address) {
    return EtcdElectionOptions{.prefix = prefix,
                               .address = address,
                               .on_elected = {},
                               .on_deposed = {},
                               .log = log,
                               .warn = log};
  };

  EtcdElection a(client, node("A"));
  a.start();
  check(wait_leader(a), "A is elected");
  const EtcdFence fence_a = a.fence();
  EtcdStore store_a(client, prefix, [&] { return a.fence(); });
  check(store_a.compare_and_set("ts", 0, 100).ok(), "leader A writes ts = 100");
  a.stop();  // A's term ends: its lease is revoked, the leader key is gone

  EtcdElection b(client, node("B"));
  b.start();
  check(wait_leader(b), "B is elected after A");
  EtcdStore store_b(client, prefix, [&] { return b.fence(); });
  check(store_b.compare_and_set("ts", 100, 200).ok(), "leader B moves ts 100 -> 200");

  EtcdStore deposed(client, prefix, [&] { return fence_a; });
  Status s1 = deposed.compare_and_set("ts", 200, 300);
  check(s1.code() == StatusCode::kFailedPrecondition &&
            s1.message().find("fenced") != std::string::npos,
        "deposed A cannot write ts with the current value (" + s1.message() + ")");
  Status s2 = deposed.compare_and_set("ts", 100, 300);
  check(s2.code() == StatusCode::kFailedPrecondition,
        "deposed A cannot write ts with its old value (" + s2.message() + ")");
  check(*store_b.load("ts") == 200, "ts is still B's 200");
  b.stop();

  // A term that ends by lease expiry, with no revoke: grant, take the key, stop refreshing.
  Result<std::int64_t> lease = client.lease_grant(seconds(2));
  check(lease.ok(), "grant a 2s lease");
  Result<EtcdTxnResult> took =
      client.txn({{EtcdCompare::Target::kCreateRevision, prefix + "leader", 0, ""}},
                 {EtcdOp::Put(prefix + "leader", "C", *lease)}, {});
  check(took.ok() && took->succeeded, "C takes the leader key with that lease");
  const EtcdFence fence_c{prefix + "leader", took.ok() ? took->revision : 0};
  EtcdStore store_c(client, prefix, [&] { return fence_c; });
  check(store_c.compare_and_set("ts", 200, 250).ok(), "C writes ts = 250 while its lease lives");
  SystemClock::instance().sleep_until(SystemClock::instance().monotonic() + milliseconds(4500));
  Result<std::optional<EtcdKeyValue>> key = client.get(prefix + "leader");
  check(key.ok() && !*key, "C's lease expired and took the leader key with it");
  Status s3 = store_c.compare_and_set("ts", 250, 400);
  check(s3.code() == StatusCode::kFailedPrecondition,
        "C with an expired lease cannot advance ts (" + s3.message() + ")");
  check(*store_c.load("ts") == 250, "ts is still 250");

  // A leader cut off from etcd for 2/3 of its TTL steps down, and its lease must go with
  // it: kept alive once etcd is reachable again, it would hold the leader key for a node
  // that no longer leads, and no node could win.
  {
    testing::TcpTestProxy proxy(port_of(endpoints[0]));
    check(proxy.ok(), "a proxy to etcd listens");
    EtcdClient via_proxy({proxy.address()}, milliseconds(500));
    EtcdElection d(via_proxy, node("D"));
    d.start();
    check(wait_leader(d), "D is elected through the proxy");
    proxy.set_cut_off(true);
    check(within(seconds(3), [&] { return !d.is_leader(); }), "D, cut off from etcd, steps down");
    proxy.set_cut_off(false);  // well before etcd would end D's lease
    EtcdElection e(client, node("E"));
    e.start();
    check(within(seconds(6), [&] { return d.is_leader() || e.is_leader(); }),
          "a node leads again once D reaches etcd");
  }
  // The reply to a winning campaign is lost: the node finds the key under its own lease.
  {
    testing::TcpTestProxy proxy(port_of(endpoints[0]));
    EtcdClient via_proxy({proxy.address()}, milliseconds(500));
    proxy.lose_next_reply_to("/v3/kv/txn");
    EtcdElection f(via_proxy, node("F"));
    f.start();
    check(wait_leader(f) && proxy.replies_lost() == 1,
          "F leads although the reply to its campaign was lost");
  }
  // A mark write whose reply is lost goes again to the next member, which finds it done:
  // that is this leader's own write, not another writer's.
  {
    testing::TcpTestProxy proxy(port_of(endpoints[0]));
    EtcdClient two({proxy.address(), endpoints[0]}, seconds(1));
    EtcdElection g(two, node("G"));
    g.start();
    check(wait_leader(g), "G is elected");
    EtcdStore store_g(two, prefix, [&] { return g.fence(); });
    const std::uint64_t before = *store_g.load("ts");
    proxy.lose_next_reply_to("/v3/kv/txn");
    const Status s4 = store_g.compare_and_set("ts", before, before + 100);
    check(s4.ok() && proxy.replies_lost() == 1 && *store_g.load("ts") == before + 100,
          "a write whose reply was lost, sent again to the next member, counts as done" +
              (s4.ok() ? std::string() : " (" + s4.message() + ")"));
  }
  // A member that accepts and never answers does not use up a call meant for the others.
  {
    SilentListener silent;
    EtcdClient first_silent({silent.address(), endpoints[0]}, seconds(1));
    Result<std::optional<EtcdKeyValue>> read = first_silent.get(prefix + "hwm/ts");
    check(!silent.address().empty() && read.ok() && *read && (*read)->value == "350",
          "a silent first endpoint: the read is answered by the next one" +
              (read.ok() ? std::string() : " (" + read.status().message() + ")"));
  }
  return tools::checks_exit_status();
}
