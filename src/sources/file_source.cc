#include "sources/file_source.h"

#include <cmath>

#include "kairos/clock_snapshot.h"

namespace kairos::sources {
namespace {

constexpr int kCalibrationWrites = 5000;

}  // namespace

FileSourceDriver::FileSourceDriver(FileSourceSettings settings, const Clock& clock)
    : FileSourceDriver(settings, clock, std::make_unique<ProbeLocation>(settings.path)) {}

FileSourceDriver::FileSourceDriver(FileSourceSettings settings, const Clock& clock,
                                   std::unique_ptr<ProbeFile> file)
    : settings_(std::move(settings)),
      clock_(clock),
      file_(std::move(file)),
      probe_(*file_, clock_) {}

std::optional<Duration> FileSourceDriver::granularity() const {
  if (!calibrated_) return std::nullopt;
  return probe_.granularity();
}

std::string FileSourceDriver::name() const { return "file:" + settings_.path.string(); }

std::uint32_t FileSourceDriver::reference_id() const { return refid_from_ascii("FILE"); }

PollResult FileSourceDriver::check() {
  PollResult result;
  if (!calibrated_) {
    Result<Duration> g = probe_.detect_granularity(kCalibrationWrites);
    if (!g.ok()) {
      result.sample = g.status();
      return result;
    }
    calibrated_ = true;
  }
  Result<FileSample> s = probe_.check();
  if (!s.ok()) {
    result.sample = s.status();
    last_.reset();
    return result;
  }
  result.sample =
      sync::sample_from_reference(s->local_midpoint, s->offset, s->uncertainty, reference_id());
  if (abs(s->offset) > settings_.max_offset) {
    result.alarm = "offset " + format_duration(s->offset) + " exceeds the allowed " +
                   format_duration(settings_.max_offset) + " (file " + file_->name() + ")";
  } else if (last_) {
    // Drift between checks beyond what the two uncertainties explain.
    const Duration elapsed = s->local_midpoint - last_->local_midpoint;
    const Duration moved = abs(s->offset - last_->offset);
    const Duration explained = s->uncertainty + last_->uncertainty +
                               from_seconds(to_seconds(elapsed) * settings_.max_drift_ppm * 1e-6);
    if (elapsed > Duration(0) && moved > explained) {
      const double ppm =
          to_seconds(moved - s->uncertainty - last_->uncertainty) / to_seconds(elapsed) * 1e6;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f", ppm);
      result.alarm = "offset moved " + format_duration(moved) + " in " + format_duration(elapsed) +
                     " (at least " + buf + " ppm, allowed " +
                     std::to_string(static_cast<int>(settings_.max_drift_ppm)) + " ppm)";
    }
  }
  last_ = *s;
  return result;
}

void FileSourceDriver::poll(const sync::SampleParams&, std::function<void(PollResult)> done) {
  done(check());
}

}  // namespace kairos::sources
