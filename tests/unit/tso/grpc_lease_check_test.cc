// A leader's lease can end while a request takes its values (a wait for the store, a
// paused process); the next leader may then already have served above them. The server
// asks may_serve again before answering, and answers the error instead of the values.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "kairos.grpc.pb.h"
#include "kairos/clock.h"
#include "tso/grpc_server.h"
#include "tso/status_mapping.h"
#include "unit/tso/test_stores.h"

namespace kairos::tso {
namespace {

namespace pb = ::kairos::v1;

class GrpcLeaseCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(oracle_.recover(clock_.realtime()).ok());
    Result<std::unique_ptr<TsoServer>> server = TsoServer::start(
        {.listen = "127.0.0.1:0",
         .now = [this] { return clock_.realtime(); },
         .leader_address = [] { return std::string("127.0.0.9:11190"); },
         // The lease is alive when a request comes in and gone once it has its values.
         .may_serve =
             [this] {
               return asks_++ % 2 == 0 ? Status::Ok() : Status::Unavailable("lease ended");
             }},
        oracle_, sequencer_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  ManualClock clock_;
  testing::MemoryStore store_;
  TimestampOracle oracle_{store_, {}};
  Sequencer sequencer_{store_, {}};
  std::atomic<int> asks_{0};
  std::unique_ptr<TsoServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(GrpcLeaseCheck, SequenceNumbersTakenAsTheLeaseEndsAreNotAnswered) {
  auto stub = pb::Sequencer::NewStub(channel_);
  grpc::ClientContext ctx;
  pb::NextRequest req;
  req.set_name("orders");
  req.set_count(1);
  pb::NextResponse resp;
  const grpc::Status s = stub->Next(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "lease ended");
  EXPECT_EQ(resp.first(), 0u);
  EXPECT_EQ(asks_.load(), 2);
  const auto leader = ctx.GetServerTrailingMetadata().find(kLeaderMetadataKey);
  ASSERT_NE(leader, ctx.GetServerTrailingMetadata().end());
  EXPECT_EQ(std::string(leader->second.data(), leader->second.size()), "127.0.0.9:11190");
}

TEST_F(GrpcLeaseCheck, TimestampsTakenAsTheLeaseEndsAreNotAnswered) {
  auto stub = pb::TimestampOracle::NewStub(channel_);
  grpc::ClientContext ctx;
  auto stream = stub->GetTimestamps(&ctx);
  pb::TimestampRequest req;
  req.set_count(1);
  ASSERT_TRUE(stream->Write(req));
  pb::TimestampResponse resp;
  EXPECT_FALSE(stream->Read(&resp));
  const grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "lease ended");
  EXPECT_EQ(asks_.load(), 2);
}

}  // namespace
}  // namespace kairos::tso
