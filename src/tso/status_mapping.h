// Conversions between kairos::Status and grpc::Status, and the metadata key a follower
// uses to name the leader. Only the files that speak gRPC include this.
#pragma once

#include <grpcpp/support/status.h>

#include "kairos/status.h"

namespace kairos::tso {

inline constexpr const char* kLeaderMetadataKey = "kairos-leader";

grpc::Status to_grpc(const Status& status);
// UNAVAILABLE, CANCELLED, ABORTED and RESOURCE_EXHAUSTED (a busy server) become
// kUnavailable: worth retrying after a backoff.
Status from_grpc(const grpc::Status& status);

}  // namespace kairos::tso
