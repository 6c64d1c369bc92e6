#include "tso/file_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace kairos::tso {
namespace {

constexpr const char* kFileName = "tso.hwm";
constexpr const char* kTempName = "tso.hwm.tmp";
constexpr const char* kLockName = "tso.lock";

std::string errno_text() { return std::strerror(errno); }

Status fsync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot open " + path.string() + ": " + errno_text());
  const int rc = ::fsync(fd);
  const std::string err = rc != 0 ? errno_text() : "";
  ::close(fd);
  if (rc != 0) return Status::Unavailable("fsync " + path.string() + ": " + err);
  return Status::Ok();
}

// The marks in `path`; none when it does not exist. Any other failure to read it is an
// error: starting from nothing would reissue what was served before.
Result<HwmMap> read_marks(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return HwmMap{};
  if (fd < 0) return Status::Unavailable("cannot read " + path.string() + ": " + errno_text());
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::string err = errno_text();
      ::close(fd);
      return Status::Unavailable("cannot read " + path.string() + ": " + err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  Result<HwmMap> parsed = parse_hwm_file(text);
  if (!parsed.ok()) return parsed.status().WithContext(path.string());
  return parsed;
}

}  // namespace

Result<std::unique_ptr<FileStore>> FileStore::open(const std::filesystem::path& dir) {
  const std::filesystem::path lock_path = dir / kLockName;
  const int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) {
    return Status::Unavailable("cannot open " + lock_path.string() + ": " + errno_text());
  }
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd);
    return Status::Unavailable("state directory " + dir.string() +
                               " is in use by another kairos process (" + lock_path.string() +
                               " is locked)");
  }
  const std::filesystem::path path = dir / kFileName;
  Result<HwmMap> marks = read_marks(path);
  if (!marks.ok()) {
    ::close(lock_fd);
    return marks.status();
  }
  return std::unique_ptr<FileStore>(new FileStore(dir, lock_fd, std::move(*marks)));
}

FileStore::FileStore(std::filesystem::path dir, int lock_fd, HwmMap marks)
    : dir_(std::move(dir)), lock_fd_(lock_fd), marks_(std::move(marks)) {}

FileStore::~FileStore() { ::close(lock_fd_); }

Result<std::uint64_t> FileStore::load(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = marks_.find(key);
  return it == marks_.end() ? std::uint64_t{0} : it->second;
}

Status FileStore::compare_and_set(std::string_view key, std::uint64_t expected,
                                  std::uint64_t value) {
  if (Status s = validate_hwm_key(key); !s.ok()) return s;
  std::lock_guard lock(mu_);
  auto it = marks_.find(key);
  const std::uint64_t current = it == marks_.end() ? 0 : it->second;
  if (current != expected) {
    return Status::FailedPrecondition("mark '" + std::string(key) + "' is " +
                                      std::to_string(current) + ", expected " +
                                      std::to_string(expected));
  }
  HwmMap next = marks_;
  next[std::string(key)] = value;
  if (Status s = write_file(next); !s.ok()) return s;
  marks_ = std::move(next);
  return Status::Ok();
}

Status FileStore::write_file(const HwmMap& marks) {
  const std::string bytes = encode_hwm_file(marks);
  const std::filesystem::path tmp = dir_ / kTempName;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create " + tmp.string() + ": " + errno_text());
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string err = errno_text();
      ::close(fd);
      return Status::Unavailable("write " + tmp.string() + ": " + err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const std::string err = errno_text();
    ::close(fd);
    return Status::Unavailable("fsync " + tmp.string() + ": " + err);
  }
  ::close(fd);
  const std::filesystem::path path = dir_ / kFileName;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::Unavailable("rename " + tmp.string() + " to " + path.string() + ": " +
                               errno_text());
  }
  return fsync_path(dir_, O_RDONLY | O_DIRECTORY);
}

std::string FileStore::describe() const { return "file " + (dir_ / kFileName).string(); }

}  // namespace kairos::tso
