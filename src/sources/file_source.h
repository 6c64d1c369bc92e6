// FileSourceDriver: a file on shared storage as a time source (see file_probe.h for the
// measurement). It calibrates the storage's timestamp granularity on its first poll, then
// each poll is one check turned into a reference sample (stratum 0 at the storage).
//
// Alarms (the sample is withheld, the reason reported): |offset| above max_offset, or the
// offset moving faster than max_drift_ppm between checks beyond what the two checks'
// uncertainties explain.
//
// Thread safety: poll() blocks on file I/O; one poll at a time (SourceDriver contract).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "kairos/clock.h"
#include "sources/file_probe.h"
#include "sources/source_driver.h"

namespace kairos::sources {

struct FileSourceSettings {
  // The probe file, or a directory to put this node's probe file in.
  std::filesystem::path path;
  Duration max_offset = std::chrono::seconds(1);
  double max_drift_ppm = 500.0;
};

class FileSourceDriver final : public SourceDriver {
 public:
  // `clock` must outlive the driver. Probes the file named by settings.path.
  FileSourceDriver(FileSourceSettings settings, const Clock& clock);
  // Probes through `file` instead (fault injection in tests).
  FileSourceDriver(FileSourceSettings settings, const Clock& clock,
                   std::unique_ptr<ProbeFile> file);
  std::string name() const override;
  std::uint32_t reference_id() const override;
  bool blocking() const override { return true; }
  void poll(const sync::SampleParams& params, std::function<void(PollResult)> done) override;

  // The same check without the callback (for the library API and tests).
  PollResult check();

  // The storage's timestamp granularity, once the first check calibrated it.
  std::optional<Duration> granularity() const;
  // The latest successful measurement (reset by a failed check).
  const std::optional<FileSample>& last_sample() const { return last_; }

 private:
  FileSourceSettings settings_;
  const Clock& clock_;
  std::unique_ptr<ProbeFile> file_;
  FileProbe probe_;
  bool calibrated_ = false;
  std::optional<FileSample> last_;
};

}  // namespace kairos::sources
