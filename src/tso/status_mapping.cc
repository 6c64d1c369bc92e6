#include "tso/status_mapping.h"

namespace kairos::tso {

grpc::Status to_grpc(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk:
      return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
      return {grpc::StatusCode::INVALID_ARGUMENT, s.message()};
    case StatusCode::kNotFound:
      return {grpc::StatusCode::NOT_FOUND, s.message()};
    case StatusCode::kOutOfRange:
      return {grpc::StatusCode::OUT_OF_RANGE, s.message()};
    case StatusCode::kFailedPrecondition:
      return {grpc::StatusCode::FAILED_PRECONDITION, s.message()};
    case StatusCode::kUnavailable:
      return {grpc::StatusCode::UNAVAILABLE, s.message()};
    case StatusCode::kDeadlineExceeded:
      return {grpc::StatusCode::DEADLINE_EXCEEDED, s.message()};
    case StatusCode::kInternal:
      return {grpc::StatusCode::INTERNAL, s.message()};
  }
  return {grpc::StatusCode::UNKNOWN, s.message()};
}

Status from_grpc(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::OK:
      return Status::Ok();
    case grpc::StatusCode::INVALID_ARGUMENT:
      return Status::InvalidArgument(s.error_message());
    case grpc::StatusCode::NOT_FOUND:
      return Status::NotFound(s.error_message());
    case grpc::StatusCode::OUT_OF_RANGE:
      return Status::OutOfRange(s.error_message());
    case grpc::StatusCode::FAILED_PRECONDITION:
      return Status::FailedPrecondition(s.error_message());
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::ABORTED:
      return Status::Unavailable(s.error_message().empty() ? "server unavailable"
                                                           : s.error_message());
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Status::DeadlineExceeded(s.error_message());
    case grpc::StatusCode::RESOURCE_EXHAUSTED:  // e.g. all of the server's threads busy
      return Status::Unavailable("server busy: " + s.error_message());
    default:
      return Status::Internal("gRPC " + std::to_string(s.error_code()) + ": " + s.error_message());
  }
}

}  // namespace kairos::tso
