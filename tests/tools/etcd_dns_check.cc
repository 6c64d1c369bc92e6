// etcd_dns_check PORT HOSTS_FILE: how EtcdClient finds etcd by name, in a network namespace
// whose name server never answers (tests/integration/tso_etcd_dns_test.sh sets it up: etcd
// on 127.0.0.1:PORT only; HOSTS_FILE is the namespace's /etc/hosts, with "localhost" on
// ::1 and 127.0.0.1 and "etcd-a.test" on 127.0.0.1). Checks:
//  1. "localhost:PORT" reaches etcd although its first address (::1) refuses;
//  2. a first endpoint whose lookup hangs leaves time for the next one;
//  3. a name that drops out of HOSTS_FILE (its lookup now hangs) is still reached at the
//     address of its last good lookup;
//  4. a name never resolved fails within the call's time, naming the endpoint and why.
// Prints one line per check; exits 1 when any failed.
#include <cstdio>
#include <fstream>
#include <string>

#include "kairos/clock.h"
#include "tools/check_lines.h"
#include "tso/etcd_client.h"

namespace {

using namespace kairos;
using namespace kairos::tso;

using tools::check;

// A range read; its status and how long it took.
struct Outcome {
  Status status;
  Duration took;
};
Outcome timed_get(EtcdClient& client) {
  const MonoTime start = SystemClock::instance().monotonic();
  Result<std::optional<EtcdKeyValue>> r = client.get("/kairos-dns-check");
  return {r.ok() ? Status::Ok() : r.status(), SystemClock::instance().monotonic() - start};
}
Outcome get_through(const std::vector<std::string>& endpoints) {
  EtcdClient client(endpoints, seconds(1));
  return timed_get(client);
}

std::string describe(const Outcome& o) {
  return (o.status.ok() ? std::string("answered") : o.status.message()) + " after " +
         format_duration(o.took);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: etcd_dns_check PORT HOSTS_FILE\n");
    return 2;
  }
  const std::string port = argv[1];
  const std::string hosts = argv[2];
  // The name server never answers: a lookup outside HOSTS_FILE takes the resolver's whole
  // timeout (set to 10 s by the test), against 1 s per call.
  const Duration limit = seconds(3);

  Outcome o = get_through({"localhost:" + port});
  check(o.status.ok(), "localhost (::1 first, refused) reaches etcd on 127.0.0.1: " + describe(o));

  o = get_through({"hang.test:" + port, "127.0.0.1:" + port});
  check(o.status.ok() && o.took < limit,
        "a first endpoint whose lookup hangs leaves time for the next: " + describe(o));

  EtcdClient named({"etcd-a.test:" + port}, seconds(1));
  o = timed_get(named);
  check(o.status.ok(), "etcd-a.test resolves from the hosts file: " + describe(o));
  {
    std::ofstream rewrite(hosts, std::ios::trunc);  // in place: the file is bind-mounted
    rewrite << "127.0.0.1 localhost\n::1 localhost\n";
  }
  o = timed_get(named);
  check(
      o.status.ok() && o.took < limit,
      "etcd-a.test, gone from the hosts file, is reached at its last good address: " + describe(o));

  o = get_through({"never.test:" + port});
  check(!o.status.ok() && o.took < limit &&
            o.status.message().find("cannot resolve etcd endpoint never.test:" + port) !=
                std::string::npos &&
            o.status.message().find("no answer within") != std::string::npos,
        "a name never resolved fails in time, saying why: " + describe(o));
  return tools::checks_exit_status();
}
