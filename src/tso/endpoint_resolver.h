// EndpointResolver: the addresses of an etcd endpoint ("HOST:PORT", "[IPv6]:PORT"), looked
// up within a deadline, with the last good answer kept for when name lookups fail.
//
// getaddrinfo blocks as long as the system's resolver likes (by default 5 s per try, two
// tries per name server), far longer than an etcd call may take, and a leader that cannot
// refresh its lease in time steps down. So a name is looked up on a thread of its own and
// waited for until the deadline; a numeric address needs no lookup. The addresses of each
// endpoint's last successful lookup (a late one counts when it ends) are kept and used
// when a lookup fails or is late, so a DNS outage does not cut a node off from an etcd
// it can still reach; with such addresses at hand, a lookup gets half the time. At most
// one lookup per endpoint is under way: calls meanwhile wait for that one, so a name
// server that never answers cannot pile up lookups.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::tso {

struct ResolvedAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* sockaddr_ptr() const { return reinterpret_cast<const sockaddr*>(&storage); }
  // "127.0.0.1" or "::1", for messages.
  std::string host() const;
};

class EndpointResolver {
 public:
  EndpointResolver();

  // Every address of `endpoint`, in the resolver's order. Errors: not HOST:PORT
  // (InvalidArgument); the lookup failed or was not done by `deadline`, and none for this
  // endpoint ever succeeded (Unavailable, naming the endpoint and the reason).
  Result<std::vector<ResolvedAddress>> resolve(const std::string& endpoint, MonoTime deadline);

  // Defined in endpoint_resolver.cc: one lookup, and what lookups share (the last good
  // addresses and the lookup under way per endpoint), which outlives late lookups.
  struct Lookup;
  struct Cache;

 private:
  std::shared_ptr<Cache> cache_;
};

}  // namespace kairos::tso
