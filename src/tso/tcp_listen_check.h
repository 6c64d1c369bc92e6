// Before the gRPC server binds a TCP address: can it, and if not, why?
//
// gRPC reports a failed bind only in its own log, and to us only that no port was added.
// Binding a socket here first (with SO_REUSEADDR, as gRPC does) names the reason: the port
// is in use, the address is not one of this host's, a port under 1024 needs privilege.
//
// Thread safety: stateless.
#pragma once

#include "kairos/host_port.h"
#include "kairos/status.h"

namespace kairos::tso {

// Ok when a listening socket could bind `address` now: for a name, one of the addresses it
// resolves to (gRPC listens on all of them and needs one); port 0 checks only the address.
// Otherwise Unavailable, naming the address and the system's or the resolver's reason.
// A name is resolved with getaddrinfo, which may wait for DNS.
Status check_tcp_bindable(const HostPort& address);

}  // namespace kairos::tso
