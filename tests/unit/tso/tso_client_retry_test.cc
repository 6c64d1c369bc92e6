// The client library against fake servers that refuse a set number of calls and then serve,
// with no timed wait in the test:
// - a busy server (RESOURCE_EXHAUSTED, as gRPC answers when the sequencer's threads are all
//   taken) is retried on the same endpoint;
// - a follower (UNAVAILABLE naming the leader in metadata) sends the client to the leader,
//   whichever way the leader's address is spelled, not to the next endpoint in the list.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <memory>
#include <string>

#include "kairos.grpc.pb.h"
#include "kairos/tso_client.h"

namespace kairos {
namespace {

namespace pb = ::kairos::v1;

const grpc::Status kBusy(grpc::StatusCode::RESOURCE_EXHAUSTED, "Server Threadpool Exhausted");
const grpc::Status kNotLeader(grpc::StatusCode::UNAVAILABLE, "not the leader");

// Refuses the first `refusals` calls of each service with `refusal` (naming `leader_hint`
// in the trailing metadata, if set), then serves numbers from 1 upwards.
class RefuseThenServe final : public pb::Sequencer::Service, public pb::TimestampOracle::Service {
 public:
  RefuseThenServe(int refusals, grpc::Status refusal, std::string leader_hint)
      : seq_refusals_(refusals),
        ts_refusals_(refusals),
        refusal_(std::move(refusal)),
        leader_hint_(std::move(leader_hint)) {}

  grpc::Status Next(grpc::ServerContext* ctx, const pb::NextRequest* req,
                    pb::NextResponse* resp) override {
    ++seq_calls_;
    if (seq_refusals_.fetch_sub(1) > 0) return refuse(ctx);
    resp->set_first(1);
    resp->set_count(req->count());
    return grpc::Status::OK;
  }

  grpc::Status GetTimestamps(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<pb::TimestampResponse, pb::TimestampRequest>* stream) override {
    ++ts_streams_;
    if (ts_refusals_.fetch_sub(1) > 0) return refuse(ctx);
    pb::TimestampRequest req;
    std::uint64_t next = 1;
    while (stream->Read(&req)) {
      pb::TimestampResponse resp;
      resp.set_first(next);
      resp.set_count(req.count());
      next += req.count();
      if (!stream->Write(resp)) break;
    }
    return grpc::Status::OK;
  }

  int seq_calls() const { return seq_calls_; }
  int ts_streams() const { return ts_streams_; }

 private:
  grpc::Status refuse(grpc::ServerContext* ctx) {
    if (!leader_hint_.empty()) ctx->AddTrailingMetadata("kairos-leader", leader_hint_);
    return refusal_;
  }

  std::atomic<int> seq_refusals_;
  std::atomic<int> ts_refusals_;
  const grpc::Status refusal_;
  const std::string leader_hint_;
  std::atomic<int> seq_calls_{0};
  std::atomic<int> ts_streams_{0};
};

// One fake server on `address` ("127.0.0.1:0": a free loopback port).
struct FakeServer {
  FakeServer(const std::string& address, int refusals, grpc::Status refusal = kBusy,
             std::string leader_hint = {})
      : service(refusals, std::move(refusal), std::move(leader_hint)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(static_cast<pb::Sequencer::Service*>(&service));
    builder.RegisterService(static_cast<pb::TimestampOracle::Service*>(&service));
    server = builder.BuildAndStart();
  }
  ~FakeServer() {
    if (server) server->Shutdown();
  }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port); }

  RefuseThenServe service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

std::unique_ptr<TsoClient> client_of(std::vector<std::string> endpoints) {
  TsoClientOptions o;
  o.endpoints = std::move(endpoints);
  o.timeout = seconds(60);  // not reached: the retries succeed
  Result<std::unique_ptr<TsoClient>> c = TsoClient::connect(o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(*c) : nullptr;
}

class BusyServer : public ::testing::Test {
 protected:
  static constexpr int kBusyAnswers = 3;

  // A client of the busy server and of one that would serve at once: a busy server is
  // retried, not left for the next endpoint.
  std::unique_ptr<TsoClient> client() {
    EXPECT_TRUE(busy_.port != 0 && other_.port != 0);
    return client_of({busy_.endpoint(), other_.endpoint()});
  }

  FakeServer busy_{"127.0.0.1:0", kBusyAnswers};
  FakeServer other_{"127.0.0.1:0", 0};
};

TEST_F(BusyServer, SequenceCallsAreRetriedUntilServed) {
  std::unique_ptr<TsoClient> c = client();
  ASSERT_NE(c, nullptr);
  Result<SequenceRange> r = c->next_sequence("orders", 5);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->count, 5u);
  EXPECT_EQ(busy_.service.seq_calls(), kBusyAnswers + 1);
  EXPECT_EQ(other_.service.seq_calls(), 0);
}

TEST_F(BusyServer, TimestampStreamsAreRetriedUntilServed) {
  std::unique_ptr<TsoClient> c = client();
  ASSERT_NE(c, nullptr);
  Result<TimestampRange> r = c->get_timestamps(7);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->count, 7u);
  EXPECT_EQ(busy_.service.ts_streams(), kBusyAnswers + 1);
  EXPECT_EQ(other_.service.ts_streams(), 0);
}

// Endpoints {follower, bystander, leader}: the follower names the leader as
// "unix:///PATH" while the client was given "unix:PATH". Rotation would pick the bystander.
class FollowerNamingTheLeader : public ::testing::Test {
 protected:
  std::unique_ptr<TsoClient> client() {
    EXPECT_TRUE(follower_.port != 0 && bystander_.port != 0 && leader_.server != nullptr);
    return client_of({follower_.endpoint(), bystander_.endpoint(), "unix:" + path_});
  }

  const std::string path_ =
      ::testing::TempDir() + "kairos-leader-" + std::to_string(::getpid()) + ".sock";
  FakeServer follower_{"127.0.0.1:0", INT_MAX, kNotLeader, "unix://" + path_};
  FakeServer bystander_{"127.0.0.1:0", 0};
  FakeServer leader_{"unix:" + path_, 0};
};

TEST_F(FollowerNamingTheLeader, SequenceCallsGoToTheLeader) {
  std::unique_ptr<TsoClient> c = client();
  ASSERT_NE(c, nullptr);
  Result<SequenceRange> r = c->next_sequence("orders", 5);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(follower_.service.seq_calls(), 1);
  EXPECT_EQ(leader_.service.seq_calls(), 1);
  EXPECT_EQ(bystander_.service.seq_calls(), 0);
}

TEST_F(FollowerNamingTheLeader, TimestampStreamsGoToTheLeader) {
  std::unique_ptr<TsoClient> c = client();
  ASSERT_NE(c, nullptr);
  Result<TimestampRange> r = c->get_timestamps(7);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(follower_.service.ts_streams(), 1);
  EXPECT_EQ(leader_.service.ts_streams(), 1);
  EXPECT_EQ(bystander_.service.ts_streams(), 0);
}

// The client was given one node, a follower; the leader it names is not among the
// endpoints (a node the client was not told of, or named differently). The client goes
// there, as PD's client follows the leader it is told of; rotating would only come back
// to the follower.
class OnlyAFollowerGiven : public ::testing::Test {
 protected:
  FakeServer leader_{"127.0.0.1:0", 0};
  FakeServer follower_{"127.0.0.1:0", INT_MAX, kNotLeader, leader_.endpoint()};
};

TEST_F(OnlyAFollowerGiven, CallsGoToTheLeaderItNames) {
  ASSERT_TRUE(leader_.port != 0 && follower_.port != 0);
  std::unique_ptr<TsoClient> c = client_of({follower_.endpoint()});
  ASSERT_NE(c, nullptr);
  Result<SequenceRange> seq = c->next_sequence("orders", 5);
  ASSERT_TRUE(seq.ok()) << seq.status().ToString();
  Result<TimestampRange> ts = c->get_timestamps(7);
  ASSERT_TRUE(ts.ok()) << ts.status().ToString();
  EXPECT_EQ(follower_.service.seq_calls(), 1);
  EXPECT_EQ(leader_.service.seq_calls(), 1);
  EXPECT_EQ(leader_.service.ts_streams(), 1);
  EXPECT_LE(follower_.service.ts_streams(), 1);
}

// A hint that is no address is not followed: the client stays with what it was given and
// fails with the follower's word at its deadline.
TEST(FollowerWithABadHint, IsNotFollowed) {
  FakeServer follower{"127.0.0.1:0", INT_MAX, kNotLeader, "no address at all"};
  ASSERT_NE(follower.port, 0);
  TsoClientOptions o;
  o.endpoints = {follower.endpoint()};
  o.timeout = milliseconds(200);
  Result<std::unique_ptr<TsoClient>> c = TsoClient::connect(o);
  ASSERT_TRUE(c.ok());
  Result<SequenceRange> r = (*c)->next_sequence("orders", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not the leader"), std::string::npos)
      << r.status().ToString();
  EXPECT_GE(follower.service.seq_calls(), 1);
}

}  // namespace
}  // namespace kairos
