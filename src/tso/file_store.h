// FileStore: the embedded Store. All marks live in one file, `tso.hwm` in the state
// directory (format: hwm_file_format.h). Every write rewrites the file as `tso.hwm.tmp`,
// fsyncs it, renames it over `tso.hwm` and fsyncs the directory, so after a crash the
// file holds either the old marks or the new ones, never a mix. An exclusive flock on
// `tso.lock` keeps two processes from sharing one state directory (the kernel drops it
// when the holder dies, even by SIGKILL).
//
// Thread safety: every method may be called from any thread (one internal mutex).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "tso/hwm_file_format.h"
#include "tso/store.h"

namespace kairos::tso {

class FileStore final : public Store {
 public:
  // Locks the directory and reads the file if it exists. A corrupt file is an error
  // (never silently treated as empty: that would reissue old values).
  static Result<std::unique_ptr<FileStore>> open(const std::filesystem::path& dir);
  ~FileStore() override;

  Result<std::uint64_t> load(std::string_view key) override;
  Status compare_and_set(std::string_view key, std::uint64_t expected,
                         std::uint64_t value) override;
  std::string describe() const override;

 private:
  FileStore(std::filesystem::path dir, int lock_fd, HwmMap marks);
  Status write_file(const HwmMap& marks);

  const std::filesystem::path dir_;
  const int lock_fd_;
  std::mutex mu_;
  HwmMap marks_;  // guarded by mu_: what the file holds
};

}  // namespace kairos::tso
