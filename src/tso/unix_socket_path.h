// Before a server binds a Unix socket path: is another process serving on it?
//
// gRPC removes a socket file at the path before it binds, so a second server started on
// a live server's path would silently take it over (and remove it when it stops). A socket
// file nobody listens on is what a killed server leaves: gRPC may replace that one.
//
// Thread safety: stateless.
#pragma once

#include <string>

#include "kairos/status.h"

namespace kairos::tso {

// Ok when nothing is at `path` or only a socket file nobody listens on. Unavailable,
// naming the path, when a process accepts connections there (or may: its queue is full),
// when the path is not a socket, or when it cannot be checked.
Status check_unix_socket_unused(const std::string& path);

}  // namespace kairos::tso
