// SyncLoop driving a SocketExchange (how NTP sources are polled): sent and awaited on the
// loop's thread, finished by readiness or by the deadline, and surviving a failed send
// whose driver then reopens its socket under the same descriptor number.
#include "daemon/sync_loop.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <set>

namespace kairos::daemon {
namespace {

// What a ScriptedExchange saw; owned by the test, since the loop owns (and destroys) the
// source.
struct Tally {
  int sends = 0;
  int answers = 0;
  int timeouts = 0;
  std::vector<int> fds_seen;  // the descriptor number of each socket opened
};

// A source whose "socket" is one end of a datagram socketpair. Each send writes a byte to
// the other end (the reply, at once) unless the poll is scripted to be silent, or to fail:
// then the send closes the socket, as NtpSourceDriver does when send() fails.
class ScriptedExchange final : public sources::SourceDriver, public sources::SocketExchange {
 public:
  ScriptedExchange(Tally& tally, std::set<int> failing, std::set<int> silent)
      : tally_(tally), failing_(std::move(failing)), silent_(std::move(silent)) {}
  ~ScriptedExchange() override { close_socket(); }

  std::string name() const override { return "scripted"; }
  std::uint32_t reference_id() const override { return 1; }
  void poll(const sync::SampleParams&, std::function<void(sources::PollResult)>) override {
    ADD_FAILURE() << "the loop must drive the exchange, not poll()";
  }
  sources::SocketExchange* socket_exchange() override { return this; }

  Status send_request(const sync::SampleParams&) override {
    const int n = tally_.sends++;
    if (failing_.contains(n)) {
      close_socket();
      return Status::Unavailable("send: scripted failure");
    }
    if (fd_ < 0) {
      int pair[2];
      if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0) {
        return Status::Internal("socketpair");
      }
      fd_ = pair[0];
      peer_ = pair[1];
      tally_.fds_seen.push_back(fd_);
    }
    if (!silent_.contains(n)) {
      const char byte = 1;
      if (write(peer_, &byte, 1) != 1) return Status::Internal("write");
    }
    return Status::Ok();
  }
  int wait_fd() const override { return fd_; }
  std::optional<sources::PollResult> on_readable() override {
    char byte = 0;
    if (read(fd_, &byte, 1) != 1) return std::nullopt;
    ++tally_.answers;
    sources::PollResult r;
    sync::Sample s;
    s.time = SystemClock::instance().realtime();
    s.offset = milliseconds(1);
    s.delay = microseconds(100);
    s.dispersion = microseconds(1);
    s.stratum = 1;
    s.leap = Leap::kNone;
    r.sample = s;
    return r;
  }
  sources::PollResult on_timeout() override {
    ++tally_.timeouts;
    sources::PollResult r;
    r.sample = Status::DeadlineExceeded("no reply within 200ms");
    return r;
  }
  Duration timeout() const override { return milliseconds(200); }


 private:
  void close_socket() {
    if (fd_ >= 0) close(fd_);
    if (peer_ >= 0) close(peer_);
    fd_ = peer_ = -1;
  }

  Tally& tally_;
  std::set<int> failing_;
  std::set<int> silent_;
  int fd_ = -1;
  int peer_ = -1;
};

// Runs a loop with one scripted source, polled every 20 ms (its burst), until `done` or 10 s.
void run_until(const Tally& t, std::unique_ptr<ScriptedExchange> source,
               const std::function<bool()>& done) {
  asio::io_context io;
  clock_driver::VirtualClockDriver driver;
  SyncLoopOptions options;
  options.engine.burst_interval = milliseconds(20);
  options.engine.burst_count = 8;
  SyncLoop loop(io, SystemClock::instance(), driver, options, [](const ClockSnapshot&) {});
  ASSERT_TRUE(loop.add_source(std::move(source)).ok());
  ASSERT_TRUE(loop.start().ok());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < give_up) {
    io.run_for(std::chrono::milliseconds(5));
  }
  loop.stop();
  EXPECT_TRUE(done()) << "sends " << t.sends << ", answers " << t.answers << ", timeouts "
                      << t.timeouts;
}

TEST(SyncLoopExchangeTest, RepliesAndSilenceEachEndTheirPoll) {
  Tally t;
  run_until(t, std::make_unique<ScriptedExchange>(t, std::set<int>{}, std::set<int>{1}),
            [&t] { return t.answers >= 2 && t.timeouts >= 1; });
  EXPECT_EQ(t.timeouts, 1);                     // poll 1 was silent: its deadline ended it, once
  // Every poll ended exactly once; the last one may still have been in flight at stop().
  EXPECT_LE(t.answers + t.timeouts, t.sends);
  EXPECT_GE(t.answers + t.timeouts, t.sends - 1);
}

TEST(SyncLoopExchangeTest, ASocketReopenedUnderTheSameNumberAfterAFailedSendIsWaitedOn) {
  // Poll 0 answers, poll 1's send fails and closes the socket, poll 2 opens a new one: the
  // kernel hands out the lowest free number, the same as before. The loop must wait on the
  // new socket, not on its stale registration of the old one (that poll would time out).
  Tally t;
  run_until(t, std::make_unique<ScriptedExchange>(t, std::set<int>{1}, std::set<int>{}),
            [&t] { return t.answers >= 3; });
  ASSERT_GE(t.fds_seen.size(), 2u);
  ASSERT_EQ(t.fds_seen[0], t.fds_seen[1]);  // the case under test did happen
  EXPECT_EQ(t.timeouts, 0);
}

}  // namespace
}  // namespace kairos::daemon
