// kairos::FileTimeSource: a FileSourceDriver and a one-source sync::Engine on their own
// thread (include/kairos/file_time.h, docs/file-time.md).
#include "sources/file_time_source.h"

#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "sources/file_source.h"
#include "sync/engine.h"

namespace kairos {
namespace {

// The engine for one file source: the first check fixes the clock (no burst to wait for:
// the thread decides when checks happen), and a coarse storage (1 s granularity, more
// when writes are slow) stays selectable.
sync::EngineConfig file_engine_config() {
  sync::EngineConfig c;
  c.burst_count = 1;
  c.max_distance = seconds(16);
  return c;
}

std::string signed_text(Duration d) { return (d >= Duration(0) ? "+" : "") + format_duration(d); }

struct LogLine {
  std::string text;
  bool is_error;
};

}  // namespace

class FileTimeSource::Impl {
 public:
  Impl(FileTimeSettings settings, std::unique_ptr<sources::ProbeFile> file)
      : settings_(std::move(settings)),
        clock_(settings_.clock != nullptr ? *settings_.clock : SystemClock::instance()),
        driver_(sources::FileSourceSettings{settings_.path, settings_.max_offset,
                                            settings_.max_drift_ppm},
                clock_,
                file ? std::move(file) : std::make_unique<sources::ProbeLocation>(settings_.path)),
        engine_(file_engine_config()) {
    id_ = *engine_.add_source({driver_.name(), driver_.reference_id()}, clock_.monotonic());
    snapshot_ = engine_.snapshot();
  }

  ~Impl() { stop(); }

  Status start() {
    std::lock_guard lifecycle(lifecycle_mu_);
    if (thread_.joinable()) return Status::Ok();
    if (Status s = validate(); !s.ok()) return s;
    {
      std::lock_guard lk(mu_);
      stop_requested_ = false;
      state_.running = true;
    }
    emit({{"file time: checking " + driver_.name() + " every " +
               format_duration(settings_.check_interval),
           false}});
    thread_ = std::thread([this] { run(); });
    return Status::Ok();
  }

  void stop() {
    std::lock_guard lifecycle(lifecycle_mu_);
    if (!thread_.joinable()) return;
    {
      std::lock_guard lk(mu_);
      stop_requested_ = true;
      state_.running = false;
    }
    cv_.notify_all();
    thread_.join();
    emit({{"file time: stopped checking " + driver_.name(), false}});
  }

  Result<Reading> now() const {
    const UnixTime t = clock_.realtime();
    std::lock_guard lk(mu_);
    if (snapshot_.status == SyncStatus::kUnsynchronized) {
      if (state_.checks == 0) {
        return Status::FailedPrecondition("file time: no check of " + driver_.name() +
                                          " has run yet");
      }
      if (!state_.last_error.empty()) {
        return Status::Unavailable("file time: " + driver_.name() +
                                   " unreachable: " + state_.last_error);
      }
      return Status::FailedPrecondition(
          "file time: not synchronized to " + driver_.name() +
          (state_.alarm.empty() ? std::string(" yet") : ": alarm: " + state_.alarm));
    }
    return Reading{snapshot_.virtual_time(t), snapshot_.error_bound_at(t), snapshot_.status};
  }

  State status() const {
    std::lock_guard lk(mu_);
    return state_;
  }

  Status check_now() {
    std::vector<LogLine> lines;
    Status result;
    {
      std::lock_guard checking(check_mu_);
      result = check(lines);
      emit(lines);
    }
    return result;
  }

 private:
  Status validate() const {
    if (settings_.clock == nullptr) return Status::InvalidArgument("file time: clock is null");
    if (settings_.path.empty()) return Status::InvalidArgument("file time: path is empty");
    if (settings_.check_interval <= Duration(0)) {
      return Status::InvalidArgument("file time: check_interval must be positive");
    }
    if (settings_.max_offset <= Duration(0)) {
      return Status::InvalidArgument("file time: max_offset must be positive");
    }
    if (!(settings_.max_drift_ppm > 0.0) || !std::isfinite(settings_.max_drift_ppm)) {
      return Status::InvalidArgument("file time: max_drift_ppm must be positive");
    }
    return Status::Ok();
  }

  // One check, fed to the engine. Caller holds check_mu_.
  Status check(std::vector<LogLine>& lines) {
    const bool was_calibrated = driver_.granularity().has_value();
    (void)engine_.on_poll_sent(id_, clock_.monotonic());
    sources::PollResult r = driver_.check();
    Status outcome;
    if (!r.sample.ok()) {
      outcome = r.sample.status();
      lines.push_back(
          {"file time: " + driver_.name() + " unreachable: " + outcome.message(), true});
    } else if (!r.alarm.empty()) {
      outcome = Status::OutOfRange(r.alarm);
      lines.push_back({"file time: ALARM: " + r.alarm + "; sample not used", true});
    } else {
      outcome = engine_.on_sample(id_, *r.sample, clock_.monotonic());
      if (!outcome.ok())
        lines.push_back({"file time: sample rejected: " + outcome.message(), true});
    }
    if (!was_calibrated && driver_.granularity()) {
      lines.push_back({"file time: timestamp granularity of " + driver_.name() + " is " +
                           format_duration(*driver_.granularity()),
                       false});
    }
    const std::optional<sources::FileSample>& sample = driver_.last_sample();
    if (r.sample.ok() && sample) {
      lines.push_back({"file time: offset " + signed_text(sample->offset) + " ± " +
                           format_duration(sample->uncertainty) + " (storage − local clock)",
                       false});
    }
    const sync::UpdateResult u = engine_.update(clock_.monotonic(), clock_.realtime());
    for (const sync::Event& e : u.events) {
      lines.push_back({"file time: " + e.message, e.severity != sync::Severity::kInfo});
    }
    std::lock_guard lk(mu_);
    snapshot_ = u.snapshot;
    next_update_at_ = u.next_update_at;
    ++state_.checks;
    state_.reachable = r.sample.ok();
    state_.last_error = r.sample.ok() ? std::string() : r.sample.status().message();
    state_.alarm = r.alarm;
    state_.granularity = driver_.granularity().value_or(Duration(0));
    if (r.sample.ok() && sample) {
      state_.offset = sample->offset;
      state_.uncertainty = sample->uncertainty;
    }
    state_.sync = snapshot_.status;
    return outcome;
  }

  // The end of a slew: the snapshot's rate changes. Caller holds check_mu_.
  void update_only(std::vector<LogLine>& lines) {
    const sync::UpdateResult u = engine_.update(clock_.monotonic(), clock_.realtime());
    for (const sync::Event& e : u.events) {
      lines.push_back({"file time: " + e.message, e.severity != sync::Severity::kInfo});
    }
    std::lock_guard lk(mu_);
    snapshot_ = u.snapshot;
    next_update_at_ = u.next_update_at;
    state_.sync = snapshot_.status;
  }

  // Runs the log callback, one line at a time, with no lock but check_mu_ or
  // lifecycle_mu_ held (so it may call now() and status()).
  void emit(const std::vector<LogLine>& lines) const {
    if (!settings_.log) return;
    for (const LogLine& l : lines) settings_.log(l.text, l.is_error);
  }

  void run() {
    MonoTime next_check = clock_.monotonic();
    std::unique_lock lk(mu_);
    while (!stop_requested_) {
      const MonoTime now = clock_.monotonic();
      const bool check_due = now >= next_check;
      const bool update_due = next_update_at_ && now >= *next_update_at_;
      if (check_due || update_due) {
        lk.unlock();
        {
          std::vector<LogLine> lines;
          std::lock_guard check_lock(check_mu_);
          if (check_due) {
            (void)check(lines);
            next_check = clock_.monotonic() + settings_.check_interval;
          } else {
            update_only(lines);
          }
          emit(lines);
        }
        lk.lock();
        continue;
      }
      MonoTime wake = next_check;
      if (next_update_at_ && *next_update_at_ < wake) wake = *next_update_at_;
      // Deadlines are on the clock's monotonic scale; the wait itself is a condition
      // variable so stop() wakes it at once.
      cv_.wait_for(lk, wake - now, [this] { return stop_requested_; });
    }
  }

  const FileTimeSettings settings_;
  const Clock& clock_;

  std::mutex lifecycle_mu_;  // start() and stop()
  std::thread thread_;

  std::mutex check_mu_;  // one check at a time: guards driver_ and engine_
  sources::FileSourceDriver driver_;
  sync::Engine engine_;
  sync::SourceId id_ = 0;

  mutable std::mutex mu_;  // guards what follows
  std::condition_variable cv_;
  bool stop_requested_ = false;
  ClockSnapshot snapshot_;
  std::optional<MonoTime> next_update_at_;
  State state_;
};

FileTimeSource::FileTimeSource(FileTimeSettings settings)
    : impl_(std::make_unique<Impl>(std::move(settings), nullptr)) {}

FileTimeSource::FileTimeSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FileTimeSource::~FileTimeSource() = default;

Status FileTimeSource::start() { return impl_->start(); }
void FileTimeSource::stop() { impl_->stop(); }
Result<FileTimeSource::Reading> FileTimeSource::now() const { return impl_->now(); }
FileTimeSource::State FileTimeSource::status() const { return impl_->status(); }
Status FileTimeSource::check_now() { return impl_->check_now(); }

namespace sources {

std::unique_ptr<FileTimeSource> make_file_time_source(FileTimeSettings settings,
                                                      std::unique_ptr<ProbeFile> file) {
  return std::make_unique<FileTimeSource>(
      std::make_unique<FileTimeSource::Impl>(std::move(settings), std::move(file)));
}

}  // namespace sources
}  // namespace kairos
