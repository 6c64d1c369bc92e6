#include "daemon/sync_loop.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <algorithm>
#include <fstream>
#include <sstream>

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include "sync/drift_file.h"
#include "sync/poll_policy.h"

namespace kairos::daemon {
namespace {

const char* state_name(sync::SourceState s) {
  switch (s) {
    case sync::SourceState::kSelected: return "selected";
    case sync::SourceState::kCandidate: return "candidate";
    case sync::SourceState::kFalseticker: return "falseticker";
    case sync::SourceState::kUnreachable: return "unreachable";
  }
  return "unknown";
}

void log_event(const sync::Event& e) {
  switch (e.severity) {
    case sync::Severity::kInfo: spdlog::info("sync: {}", e.message); break;
    case sync::Severity::kWarning: spdlog::warn("sync: {}", e.message); break;
    case sync::Severity::kError: spdlog::error("sync: {}", e.message); break;
  }
}

// Writes `text` to `path` atomically: temporary file, fsync, rename, fsync the directory.
Status write_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot write " + tmp.string() + ": " + std::strerror(errno));
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Unavailable("cannot write " + path.string() + ": " + std::strerror(errno));
  }
  const int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::Ok();
}

}  // namespace

SyncLoop::SyncLoop(asio::io_context& loop, const Clock& clock, clock_driver::ClockDriver& driver,
                   SyncLoopOptions options, Publish publish)
    : loop_(loop),
      clock_(clock),
      driver_(driver),
      engine_clock_(clock, driver),
      options_(std::move(options)),
      publish_(std::move(publish)),
      engine_(options_.engine),
      update_timer_(loop),
      step_timer_(loop) {}

SyncLoop::~SyncLoop() { stop(); }

Status SyncLoop::add_source(std::unique_ptr<sources::SourceDriver> driver) {
  Result<sync::SourceId> id =
      engine_.add_source({driver->name(), driver->reference_id()}, clock_.monotonic());
  if (!id.ok()) return id.status();
  auto s = std::make_unique<Source>();
  s->id = *id;
  s->driver = std::move(driver);
  s->timer = std::make_unique<asio::steady_timer>(loop_);
  s->deadline = std::make_unique<asio::steady_timer>(loop_);
  sources_.push_back(std::move(s));
  return Status::Ok();
}

asio::steady_timer::time_point SyncLoop::timer_point(MonoTime at) const {
  // asio's steady clock and Clock::monotonic() are both CLOCK_MONOTONIC; go through the
  // difference so a ManualClock-driven test or a shifted clock stays consistent.
  const Duration wait = at - clock_.monotonic();
  return asio::steady_timer::clock_type::now() +
         std::chrono::duration_cast<asio::steady_timer::duration>(std::max(wait, Duration(0)));
}

Status SyncLoop::start() {
  if (Status s = driver_.start(engine_clock_.realtime()); !s.ok()) {
    return s.WithContext("clock driver " + std::string(driver_.name()));
  }
  started_ = true;
  std::size_t blocking = 0;
  for (const auto& s : sources_) {
    blocking += s->driver->blocking() && s->driver->socket_exchange() == nullptr ? 1 : 0;
  }
  workers_ = std::make_unique<asio::thread_pool>(std::clamp<std::size_t>(blocking, 1, 8));
  load_drift();
  last_drift_save_ = clock_.monotonic();
  publish_engine_snapshot();
  for (auto& s : sources_) schedule_poll(*s);
  check_for_step();
  return Status::Ok();
}

void SyncLoop::publish_engine_snapshot() { publish_(driver_.to_system_scale(engine_.snapshot())); }

void SyncLoop::schedule_poll(Source& s) {
  if (stopped_) return;
  const Duration wait = engine_.next_poll_at(s.id) - clock_.monotonic();
  const double unit = std::uniform_real_distribution<double>(-1.0, 1.0)(rng_);
  s.timer->expires_after(
      std::chrono::duration_cast<asio::steady_timer::duration>(sync::spread_wait(wait, unit)));
  s.timer->async_wait([this, &s](const std::error_code& ec) {
    if (!ec) poll(s);
  });
}

void SyncLoop::poll(Source& s) {
  if (stopped_ || s.in_flight) return;
  s.in_flight = true;
  (void)engine_.on_poll_sent(s.id, clock_.monotonic());
  auto done = [this, &s](sources::PollResult r) {
    asio::post(loop_, [this, &s, r = std::move(r)]() mutable { on_result(s, std::move(r)); });
  };
  const sync::SampleParams params = engine_.sample_params();
  if (sources::SocketExchange* x = s.driver->socket_exchange()) {
    start_exchange(s, *x, params);
  } else if (s.driver->blocking()) {
    asio::post(*workers_, [&s, params, done] { s.driver->poll(params, done); });
  } else {
    s.driver->poll(params, done);
  }
}

void SyncLoop::start_exchange(Source& s, sources::SocketExchange& x,
                              const sync::SampleParams& params) {
  // Everything but the send happens before it, so that after sending this thread only
  // waits (work right after a send delayed the request's path on a 2-vCPU VM).
  s.deadline->expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(x.timeout()));
  if (Status sent = x.send_request(params); !sent.ok()) {
    // A failed send closes the driver's socket: forget the descriptor, which a new socket
    // could otherwise be mistaken for if it got the same number.
    if (s.socket) (void)s.socket->release();
    s.socket.reset();
    sources::PollResult r;
    r.sample = std::move(sent);
    asio::post(loop_, [this, &s, r = std::move(r)]() mutable { on_result(s, std::move(r)); });
    return;
  }
  if (s.socket && s.socket->native_handle() != x.wait_fd()) {
    (void)s.socket->release();  // the driver reopened its socket
    s.socket.reset();
  }
  if (!s.socket) s.socket = std::make_unique<asio::posix::stream_descriptor>(loop_, x.wait_fd());
  s.exchanging = true;
  // Either handler may already be queued when the other finishes the exchange: both check
  // that it is still in progress.
  s.deadline->async_wait([this, &s, &x](const std::error_code& ec) {
    if (!ec && s.exchanging) finish_exchange(s, x.on_timeout());
  });
  wait_readable(s, x);
}

void SyncLoop::wait_readable(Source& s, sources::SocketExchange& x) {
  s.socket->async_wait(asio::posix::stream_descriptor::wait_read,
                       [this, &s, &x](const std::error_code& ec) {
                         if (ec || !s.exchanging) return;  // finished or stopping
                         if (std::optional<sources::PollResult> r = x.on_readable()) {
                           finish_exchange(s, std::move(*r));
                         } else {
                           wait_readable(s, x);
                         }
                       });
}

void SyncLoop::finish_exchange(Source& s, sources::PollResult r) {
  s.exchanging = false;
  s.deadline->cancel();
  s.socket->cancel();
  on_result(s, std::move(r));
}

void SyncLoop::on_result(Source& s, sources::PollResult r) {
  s.in_flight = false;
  if (stopped_) return;
  if (!r.sample.ok()) {
    if (s.last_error != r.sample.status().message()) {
      spdlog::warn("source {}: {}", s.driver->name(), r.sample.status().message());
    }
    s.last_error = r.sample.status().message();
  } else if (!r.alarm.empty()) {
    spdlog::error("source {}: ALARM: {}; sample not used", s.driver->name(), r.alarm);
    s.last_error = "alarm: " + r.alarm;
  } else {
    if (Status st = engine_.on_sample(s.id, *r.sample, clock_.monotonic()); !st.ok()) {
      s.last_error = st.message();
      spdlog::warn("source {}: sample rejected: {}", s.driver->name(), st.message());
    } else {
      spdlog::debug("source {}: sample offset_ns={} delay_ns={} dispersion_ns={}",
                    s.driver->name(), r.sample->offset.count(), r.sample->delay.count(),
                    r.sample->dispersion.count());
      if (!s.last_error.empty()) spdlog::info("source {}: answering again", s.driver->name());
      s.last_error.clear();
    }
  }
  run_update();
  schedule_poll(s);
}

void SyncLoop::run_update() {
  const UnixTime now = engine_clock_.realtime();
  const sync::UpdateResult r = engine_.update(clock_.monotonic(), now);
  for (const sync::Event& e : r.events) log_event(e);
  Result<clock_driver::ApplyResult> applied = driver_.apply(r.snapshot, now, r.stepped);
  if (!applied.ok()) {
    // The driver's line still says what the kernel does, so what we publish stays right;
    // only the kernel clock no longer follows.
    if (last_driver_error_ != applied.status().message()) {
      spdlog::error("clock driver {}: {}", driver_.name(), applied.status().message());
    }
    last_driver_error_ = applied.status().message();
  } else {
    last_driver_error_.clear();
    if (applied->stepped) {
      spdlog::warn("clock driver {}: stepped the system clock by {}", driver_.name(),
                   format_duration(*applied->stepped));
    }
    // A rate change lands up to a tick late: the engine's clock moved by 0 ± that.
    if (applied->uncertainty > Duration(0)) {
      engine_.on_system_clock_step(Duration(0), applied->uncertainty);
    }
  }
  publish_engine_snapshot();
  if (r.next_update_at) schedule_update(*r.next_update_at);
  if (clock_.monotonic() - last_drift_save_ >= options_.drift_save_interval) save_drift();
}

void SyncLoop::schedule_update(MonoTime at) {
  update_timer_.expires_at(timer_point(at));
  update_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec && !stopped_) run_update();
  });
}

void SyncLoop::check_for_step() {
  if (stopped_) return;
  // The driver's own steps are not steps of the engine's clock; its rate changes move
  // CLOCK_MONOTONIC alike, so they do not show here.
  std::optional<StepWatch::Step> step;
  if (std::optional<ClockDifference> read = read_clock_difference(clock_)) {
    step = step_watch_.observe(read->mono, read->difference - driver_.steps_made());
  }
  if (step) {
    spdlog::warn("system clock stepped by {}; re-anchoring the virtual clock",
                 format_duration(step->amount));
    if (step->tell_repeated) {
      const auto window = std::chrono::duration_cast<minutes>(StepWatch::kRepeatWindow);
      spdlog::warn(
          "the system clock was stepped {} times in {} minutes by a program other than "
          "kairos (another time daemon, or the hypervisor's time agent): kairos keeps its "
          "clock continuous and lets its sources correct it, and each step widens its error "
          "bound; let one program set this clock",
          step->recent, window.count());
    }
    engine_.on_system_clock_step(step->amount, step->uncertainty);
    publish_engine_snapshot();
  }
  step_timer_.expires_at(timer_point(clock_.monotonic() + options_.step_check_interval));
  step_timer_.async_wait([this](const std::error_code& ec) {
    if (!ec) check_for_step();
  });
}

void SyncLoop::load_drift() {
  if (options_.drift_file.empty()) return;
  std::ifstream in(options_.drift_file, std::ios::binary);
  if (!in) return;  // first start
  std::string text(sync::kMaxDriftFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  Result<sync::DriftState> d = sync::parse_drift(text);
  if (!d.ok()) {
    spdlog::warn("ignoring drift file {}: {}", options_.drift_file.string(), d.status().message());
    return;
  }
  engine_.load_drift(*d);
  spdlog::info("loaded drift {:+.3f} ppm (± {:.3f} ppm) from {}", d->frequency_ppm, d->error_ppm,
               options_.drift_file.string());
}

void SyncLoop::save_drift() {
  last_drift_save_ = clock_.monotonic();
  if (options_.drift_file.empty()) return;
  if (Status s = write_atomically(options_.drift_file, sync::drift_to_text(engine_.drift())); !s.ok()) {
    spdlog::warn("{}", s.message());
  }
}

void SyncLoop::stop() {
  if (stopped_) return;
  stopped_ = true;
  update_timer_.cancel();
  step_timer_.cancel();
  for (auto& s : sources_) {
    s->timer->cancel();
    s->deadline->cancel();
    if (s->socket) (void)s->socket->release();
    s->socket.reset();
  }
  if (workers_) workers_->join();
  save_drift();
  if (!started_) return;
  const Status released =
      driver_.release(engine_.drift().frequency_ppm, engine_clock_.realtime());
  if (!released.ok()) spdlog::error("clock driver {}: {}", driver_.name(), released.message());
}

std::vector<SourceReport> SyncLoop::sources() const {
  std::vector<SourceReport> out;
  const Duration handed_over = driver_.correction_at(engine_clock_.realtime());
  for (const sync::SourceStatus& st : engine_.sources()) {
    SourceReport r;
    r.address = st.name;
    r.state = state_name(st.state);
    r.offset = st.offset - handed_over;
    r.delay = st.delay;
    r.jitter = st.jitter;
    r.reach = st.reach;
    r.stratum = st.stratum;
    for (const auto& s : sources_) {
      if (s->id == st.id) r.last_error = s->last_error;
    }
    out.push_back(std::move(r));
  }
  return out;
}

bool SyncLoop::synchronized_within(Duration delta, UnixTime system_now) const {
  return engine_.synchronized_within(delta, driver_.to_engine_scale(system_now));
}

}  // namespace kairos::daemon
