// What one client can make the gRPC server hold: sequence calls beyond the server's
// threads fail at once with RESOURCE_EXHAUSTED instead of piling up threads, the server
// tells clients how many streams a connection may have open, and a connection with no call
// open is closed after a while; a client that reads no answers is held back.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kairos.grpc.pb.h"
#include "kairos/clock.h"
#include "tso/grpc_server.h"
#include "unit/tso/gate.h"
#include "unit/tso/test_stores.h"

namespace kairos::tso {
namespace {

namespace pb = ::kairos::v1;

class GrpcServerLimits : public ::testing::Test {
 protected:
  static constexpr int kThreads = 4;

  void SetUp() override { start(minutes(5)); }
  void start(Duration max_connection_idle) {
    gate_.close();
    ASSERT_TRUE(oracle_.recover(clock_.realtime()).ok());
    Result<std::unique_ptr<TsoServer>> server =
        TsoServer::start({.listen = "127.0.0.1:0",
                          .now = [this] { return clock_.realtime(); },
                          .leader_address = {},
                          .may_serve = [this] { return gate_.pass(); },
                          .max_sequence_threads = kThreads,
                          .max_connection_idle = max_connection_idle},
                         oracle_, sequencer_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }
  void TearDown() override { gate_.open(); }

  ManualClock clock_;
  testing::MemoryStore store_;
  TimestampOracle oracle_{store_, {}};
  Sequencer sequencer_{store_, {}};
  testing::Gate gate_;
  std::unique_ptr<TsoServer> server_;
};

TEST_F(GrpcServerLimits, SequenceCallsBeyondTheThreadLimitFailAtOnce) {
  testing::Gate& gate = gate_;
  auto stub = pb::Sequencer::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  struct Call {
    grpc::ClientContext ctx;
    pb::NextResponse resp;
    grpc::Status status;
  };
  constexpr int kCalls = 4 * kThreads;
  grpc::CompletionQueue cq;
  std::vector<std::unique_ptr<Call>> calls;
  pb::NextRequest req;
  req.set_name("limits");
  req.set_count(1);
  for (int i = 0; i < kCalls; ++i) {
    auto& c = calls.emplace_back(std::make_unique<Call>());
    c->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    stub->AsyncNext(&c->ctx, req, &cq)->Finish(&c->resp, &c->status, c.get());
  }
  // Every call either waits in the gate, on a server thread, or has failed.
  int exhausted = 0;
  int done = 0;
  while (done + gate.waiting() < kCalls) {
    void* tag = nullptr;
    bool ok = false;
    if (cq.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + std::chrono::milliseconds(10)) !=
        grpc::CompletionQueue::GOT_EVENT) {
      continue;  // not an assertion on time: we wait for either of two events
    }
    ++done;
    const grpc::Status& st = static_cast<Call*>(tag)->status;
    EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
    exhausted += st.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
  }
  EXPECT_LE(gate.waiting(), kThreads);
  EXPECT_GE(exhausted, kCalls - kThreads);

  gate.open();  // the held calls are answered
  while (done < kCalls) {
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(cq.Next(&tag, &ok));
    ++done;
    EXPECT_TRUE(static_cast<Call*>(tag)->status.ok());
  }
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

// A TCP connection to `port` on loopback that has sent HTTP/2's client preface and an
// empty SETTINGS frame, and whose reads give up after `read_timeout` (a server that says
// nothing fails a test, not hangs it); -1 on failure.
// A client that sends timestamp requests and never reads the answers. The server stops
// reading the stream once its answers back up (flow control holds them in the client's
// 64 KiB receive window: 3,855 answers, and 16 more wait in the server), so what it takes
// from the stream is bounded by that, not by what the client sends (before the server
// paused reading, it read all 200,000 in this test). The client is held back instead,
// once gRPC's buffer for the stream is full too.
TEST(GrpcServerBackpressure, AClientThatReadsNoAnswersIsHeldBackNotQueuedFor) {
  ManualClock clock;
  testing::MemoryStore store;
  TimestampOracle oracle{store, {}};
  Sequencer sequencer{store, {}};
  ASSERT_TRUE(oracle.recover(clock.realtime()).ok());
  std::atomic<int> checks{0};  // may_serve runs twice per request the server reads
  Result<std::unique_ptr<TsoServer>> server =
      TsoServer::start({.listen = "127.0.0.1:0",
                        .now = [&] { return clock.realtime(); },
                        .may_serve = [&] { return ++checks, Status::Ok(); }},
                       oracle, sequencer);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);  // the receive window stays at its 64 KiB
  auto stub = pb::TimestampOracle::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(3));
  auto stream = stub->GetTimestamps(&ctx);
  pb::TimestampRequest request;
  request.set_count(1);
  constexpr int kToSend = 200'000;
  int sent = 0;
  while (sent < kToSend && stream->Write(request)) ++sent;  // blocks once held back
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  (*server)->shutdown();
  const int read = checks.load() / 2;
  EXPECT_LT(read, 10'000) << "the server read " << read << " of " << sent << " requests";
  EXPECT_GT(read, 16);  // it did answer until the window was full
  // What gRPC took in beyond that sits in its buffers until flow control holds the
  // client back: about 20,000 requests (some 160 KB) here; with BDP probing on the
  // server, 607,098 (about 5 MB).
  EXPECT_LT(sent, 100'000);
  std::printf("the server read %d of %d requests sent\n", read, sent);
}

int open_http2(int port, Duration read_timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const auto secs = std::chrono::duration_cast<seconds>(read_timeout);
  const timeval wait{static_cast<time_t>(secs.count()),
                     static_cast<suseconds_t>(
                         std::chrono::duration_cast<microseconds>(read_timeout - secs).count())};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string hello = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") +
                            std::string("\0\0\0\x04\0\0\0\0\0", 9);  // empty SETTINGS
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) != 0 ||
      ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(hello.size())) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The HTTP/2 SETTINGS frame the server sends first carries SETTINGS_MAX_CONCURRENT_STREAMS
// (id 3) = 100: a client's further streams on that connection wait for one to end.
TEST_F(GrpcServerLimits, ConnectionsMayHoldAtMost100Streams) {
  const int fd = open_http2(server_->port(), seconds(10));
  ASSERT_GE(fd, 0);
  std::string in;
  auto read_at_least = [&](std::size_t n) {
    std::array<char, 4096> buf{};
    while (in.size() < n) {
      const ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
      if (got <= 0) return false;
      in.append(buf.data(), static_cast<std::size_t>(got));
    }
    return true;
  };
  ASSERT_TRUE(read_at_least(9));
  const std::size_t length = (static_cast<std::uint8_t>(in[0]) << 16) |
                             (static_cast<std::uint8_t>(in[1]) << 8) |
                             static_cast<std::uint8_t>(in[2]);
  ASSERT_EQ(in[3], 0x04) << "the server's first frame is not SETTINGS";
  ASSERT_TRUE(read_at_least(9 + length));
  ::close(fd);
  std::optional<std::uint32_t> max_streams;
  for (std::size_t at = 9; at + 6 <= 9 + length; at += 6) {
    const auto byte = [&](std::size_t i) {
      return static_cast<std::uint32_t>(static_cast<std::uint8_t>(in[at + i]));
    };
    const std::uint32_t id = (byte(0) << 8) | byte(1);
    const std::uint32_t value = (byte(2) << 24) | (byte(3) << 16) | (byte(4) << 8) | byte(5);
    if (id == 3) max_streams = value;
  }
  EXPECT_EQ(max_streams, 100u);
}

class GrpcServerIdle : public GrpcServerLimits {
 protected:
  void SetUp() override { start(milliseconds(200)); }
};

// Whether the server closes `fd` (after a GOAWAY frame, type 7) before the read timeout.
bool closed_after_goaway(int fd) {
  std::string in;
  std::array<char, 4096> buf{};
  ssize_t got = 0;
  while ((got = ::recv(fd, buf.data(), buf.size(), 0)) > 0) {
    in.append(buf.data(), static_cast<std::size_t>(got));
  }
  if (got < 0) return false;  // the read timed out: still open
  for (std::size_t at = 0; at + 9 <= in.size();) {
    if (in[at + 3] == 0x07) return true;
    at +=
        9 + ((static_cast<std::uint8_t>(in[at]) << 16) |
             (static_cast<std::uint8_t>(in[at + 1]) << 8) | static_cast<std::uint8_t>(in[at + 2]));
  }
  return false;
}

// A client that connects and never calls gives its descriptor back; a client whose stream
// is open keeps its connection, however long the stream is quiet.
TEST_F(GrpcServerIdle, AConnectionWithNoCallIsClosedOneWithAnOpenStreamIsKept) {
  gate_.open();
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = pb::TimestampOracle::NewStub(channel);
  grpc::ClientContext ctx;
  auto stream = stub->GetTimestamps(&ctx);
  pb::TimestampRequest req;
  req.set_count(1);
  pb::TimestampResponse first;
  ASSERT_TRUE(stream->Write(req));
  ASSERT_TRUE(stream->Read(&first));

  // Opened after the stream's last message: once the server closed it for idleness, the
  // stream's connection has been quiet at least as long.
  const int idle = open_http2(server_->port(), seconds(30));
  ASSERT_GE(idle, 0);
  EXPECT_TRUE(closed_after_goaway(idle)) << "an idle connection stayed open 30 s";
  ::close(idle);

  pb::TimestampResponse second;
  ASSERT_TRUE(stream->Write(req)) << "the open stream's connection was closed";
  ASSERT_TRUE(stream->Read(&second));
  EXPECT_GT(second.first(), first.first());
  EXPECT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace kairos::tso
