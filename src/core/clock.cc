#include "kairos/clock.h"

#include <ctime>

namespace kairos {
namespace {

Duration read(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

UnixTime SystemClock::realtime() const { return UnixTime(read(CLOCK_REALTIME)); }
MonoTime SystemClock::monotonic() const { return MonoTime(read(CLOCK_MONOTONIC)); }

void SystemClock::sleep_until(MonoTime deadline) const {
  const Duration d = deadline.time_since_epoch();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(d.count() / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(d.count() % 1'000'000'000);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
  }
}

ManualClock::ManualClock(UnixTime realtime_start, MonoTime monotonic_start)
    : realtime_(realtime_start), monotonic_(monotonic_start) {}

ManualClock::ManualClock()
    : ManualClock(UnixTime(std::chrono::seconds(1'767'225'600)),
                  MonoTime(std::chrono::seconds(1000))) {}

UnixTime ManualClock::realtime() const {
  std::lock_guard lock(mu_);
  return realtime_;
}

MonoTime ManualClock::monotonic() const {
  std::lock_guard lock(mu_);
  return monotonic_;
}

void ManualClock::sleep_until(MonoTime deadline) const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return monotonic_ >= deadline; });
}

void ManualClock::advance(Duration d) {
  {
    std::lock_guard lock(mu_);
    if (d > Duration(0)) {
      realtime_ += d;
      monotonic_ += d;
    }
  }
  cv_.notify_all();
}

void ManualClock::step_realtime(Duration d) {
  std::lock_guard lock(mu_);
  realtime_ += d;
}

ShiftedClock::ShiftedClock(const Clock& target, Duration offset, double drift_ppm)
    : ClockWrapper(target), offset_(offset), drift_ppm_(drift_ppm), anchor_(target.monotonic()) {}

Duration ShiftedClock::shift_at(MonoTime mono) const {
  const double elapsed_s = to_seconds(mono - anchor_);
  return offset_ + from_seconds(elapsed_s * drift_ppm_ * 1e-6);
}

UnixTime ShiftedClock::realtime() const {
  return target().realtime() + shift_at(target().monotonic());
}

double ShiftedClock::rate_vs_system_ppm() const {
  const double inner = target().rate_vs_system_ppm();
  return inner + drift_ppm_ + inner * drift_ppm_ * 1e-6;
}

UnixTime ShiftedClock::from_system_realtime(UnixTime system_reading) const {
  return target().from_system_realtime(system_reading) + shift_at(target().monotonic());
}

}  // namespace kairos
