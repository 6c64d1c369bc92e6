// The daemon's limit on open files, raised to what the system allows.
//
// Every gRPC connection holds a file descriptor, and gRPC 1.51 (Debian 12) stops accepting
// for good once accept4 fails with EMFILE: it logs "Failed accept4: Too many open files"
// and never listens again, even after connections close (grpc/grpc#20418). The usual soft
// limit of 1024 is then a low ceiling for a time service, so the daemon raises it to the
// hard limit at start, as Go programs such as etcd do.
//
// Thread safety: call once, at start, before other threads open files.
#pragma once

#include <cstdint>

#include "kairos/status.h"

namespace kairos::daemon {

struct OpenFilesLimit {
  std::uint64_t before = 0;  // RLIM_INFINITY reads as UINT64_MAX
  std::uint64_t now = 0;
};

// Sets the soft RLIMIT_NOFILE to the hard one. Errors name the failing call.
Result<OpenFilesLimit> raise_open_files_limit();

}  // namespace kairos::daemon
