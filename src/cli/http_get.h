// A minimal blocking HTTP/1.1 GET for the CLI's talks with the local daemon's status
// endpoint. Bounded: a deadline for the whole exchange and a cap on the reply size.
#pragma once

#include <string>

#include "kairos/host_port.h"
#include "kairos/status.h"
#include "kairos/time.h"
#include "tso/http_response.h"

namespace kairos::cli {

// Status code and body (de-chunked), read by the parser the etcd client uses.
using HttpReply = tso::HttpResponse;

// Unavailable when the daemon cannot be reached, DeadlineExceeded on timeout.
Result<HttpReply> http_get(const HostPort& server, const std::string& path, Duration timeout);

}  // namespace kairos::cli
