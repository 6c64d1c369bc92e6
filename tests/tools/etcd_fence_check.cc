// etcd_fence_check ENDPOINTS: against a real etcd, checks that a deposed TSO leader can
// never advance a high-water mark again (tests/integration/tso_ha_test.sh runs it):
//  1. leader A is elected and writes a mark; A's leadership ends (lease revoked);
//  2. leader B is elected and moves the mark on;
//  3. writes with A's old fence are refused, whatever value they expect;
//  4. a term whose lease simply expired (no keepalive for longer than its TTL) is refused too.
// Prints one line per check; exits 1 on the first violation.
#include <cstdio>
#include <sstream>
#include <thread>

#include "kairos/clock.h"
#include "tso/etcd_client.h"
#include "tso/etcd_election.h"
#include "tso/etcd_store.h"

namespace {

using namespace kairos;
using namespace kairos::tso;

int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
  if (!ok) ++failures;
}

bool wait_leader(const EtcdElection& e) {
  const MonoTime deadline = SystemClock::instance().monotonic() + seconds(10);
  while (SystemClock::instance().monotonic() < deadline) {
    if (e.is_leader()) return true;
    SystemClock::instance().sleep_until(SystemClock::instance().monotonic() + milliseconds(20));
  }
  return false;
}

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
  return failures == 0 ? 0 : 1;
}
