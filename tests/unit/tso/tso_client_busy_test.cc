// The client library against a server that is busy (RESOURCE_EXHAUSTED, as gRPC answers
// when the sequencer's threads are all taken) a set number of times and then serves: the
// calls are retried on the same endpoint and succeed, with no timed wait in the test.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "kairos.grpc.pb.h"
#include "kairos/tso_client.h"

namespace kairos {
namespace {

namespace pb = ::kairos::v1;

const grpc::Status kBusy(grpc::StatusCode::RESOURCE_EXHAUSTED, "Server Threadpool Exhausted");

// Refuses the first `busy` calls of each service, then serves numbers from 1 upwards.
class BusyThenServing final : public pb::Sequencer::Service, public pb::TimestampOracle::Service {
 public:
  explicit BusyThenServing(int busy) : seq_busy_(busy), ts_busy_(busy) {}

  grpc::Status Next(grpc::ServerContext*, const pb::NextRequest* req,
                    pb::NextResponse* resp) override {
    ++seq_calls_;
    if (seq_busy_.fetch_sub(1) > 0) return kBusy;
    resp->set_first(1);
    resp->set_count(req->count());
    return grpc::Status::OK;
  }

  grpc::Status GetTimestamps(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<pb::TimestampResponse, pb::TimestampRequest>* stream) override {
    ++ts_streams_;
    if (ts_busy_.fetch_sub(1) > 0) return kBusy;
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
  std::atomic<int> seq_busy_;
  std::atomic<int> ts_busy_;
  std::atomic<int> seq_calls_{0};
  std::atomic<int> ts_streams_{0};
};

// One fake server on a free loopback port.
struct FakeServer {
  explicit FakeServer(int busy) : service(busy) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(static_cast<pb::Sequencer::Service*>(&service));
    builder.RegisterService(static_cast<pb::TimestampOracle::Service*>(&service));
    server = builder.BuildAndStart();
  }
  ~FakeServer() {
    if (server) server->Shutdown();
  }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port); }

  BusyThenServing service;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

class BusyServer : public ::testing::Test {
 protected:
  static constexpr int kBusyAnswers = 3;

  // A client of the busy server and of one that would serve at once: a busy server is
  // retried, not left for the next endpoint.
  std::unique_ptr<TsoClient> client() {
    EXPECT_TRUE(busy_.port != 0 && other_.port != 0);
    TsoClientOptions o;
    o.endpoints = {busy_.endpoint(), other_.endpoint()};
    o.timeout = seconds(60);  // not reached: the retries succeed
    Result<std::unique_ptr<TsoClient>> c = TsoClient::connect(o);
    EXPECT_TRUE(c.ok());
    return c.ok() ? std::move(*c) : nullptr;
  }

  FakeServer busy_{kBusyAnswers};
  FakeServer other_{0};
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

}  // namespace
}  // namespace kairos
