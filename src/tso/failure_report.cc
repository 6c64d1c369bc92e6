#include "tso/failure_report.h"

#include <chrono>
#include <utility>

namespace kairos::tso {
namespace {

// To the millisecond: "2.516s", not "2.516310235s".
std::string text(Duration d) {
  return format_duration(std::chrono::round<std::chrono::milliseconds>(d));
}

}  // namespace

FailureReport::FailureReport(std::string what, Duration every)
    : what_(std::move(what)), every_(every) {}

std::optional<std::string> FailureReport::failed(MonoTime now, const std::string& error) {
  ++failures_;
  if (failures_ == 1) {
    first_failure_ = now;
    last_told_ = now;
    return what_ + " failed: " + error + " (retrying; repeats are summed up every " +
           text(every_) + ")";
  }
  ++untold_;
  if (now - last_told_ < every_) return std::nullopt;
  std::string line = what_ + " still failing: " + std::to_string(untold_) + " more times in " +
                     text(now - last_told_) + ", last: " + error;
  last_told_ = now;
  untold_ = 0;
  return line;
}

std::optional<std::string> FailureReport::succeeded(MonoTime now) {
  if (failures_ == 0) return std::nullopt;
  std::string line = what_ + " works again after " + std::to_string(failures_) +
                     (failures_ == 1 ? " failure" : " failures") + " in " +
                     text(now - first_failure_);
  failures_ = 0;
  untold_ = 0;
  return line;
}

}  // namespace kairos::tso
