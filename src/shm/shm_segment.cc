#include "shm/shm_segment.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace kairos::shm {
namespace {

std::string errno_text() { return std::strerror(errno); }

// The pid of a live writer of an existing segment `name`, or 0.
pid_t live_writer(const std::string& name) {
  const int fd = ::shm_open(name.c_str(), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return 0;
  struct stat st {};
  pid_t pid = 0;
  if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) >= sizeof(shm_layout::Header)) {
    void* p = ::mmap(nullptr, sizeof(shm_layout::Header), PROT_READ, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED) {
      const auto* h = static_cast<const shm_layout::Header*>(p);
      if (h->magic.load(std::memory_order_acquire) == shm_layout::kMagic) {
        const auto writer = static_cast<pid_t>(h->writer_pid.load(std::memory_order_relaxed));
        if (writer > 0 && writer != ::getpid() && (::kill(writer, 0) == 0 || errno == EPERM)) {
          pid = writer;
        }
      }
      ::munmap(p, sizeof(shm_layout::Header));
    }
  }
  ::close(fd);
  return pid;
}

}  // namespace

Status validate_shm_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 255 || name[0] != '/' ||
      name.find('/', 1) != std::string_view::npos) {
    return Status::InvalidArgument("shm name '" + std::string(name) +
                                   "' must be '/' followed by 1-254 characters, no other '/'");
  }
  return Status::Ok();
}

Result<std::unique_ptr<ShmSegment>> ShmSegment::create(const std::string& name,
                                                       Duration stale_after) {
  if (Status s = validate_shm_name(name); !s.ok()) return s;
  if (stale_after <= Duration(0)) {
    return Status::InvalidArgument("shm stale_after must be positive");
  }
  if (const pid_t pid = live_writer(name); pid != 0) {
    return Status::FailedPrecondition("shm segment " + name + " is in use by live process " +
                                      std::to_string(pid) + " (another kairos serve?)");
  }
  // A leftover from a writer that died: readers still mapping it see it go stale.
  if (::shm_unlink(name.c_str()) != 0 && errno != ENOENT) {
    return Status::Unavailable("cannot remove old shm segment " + name + ": " + errno_text());
  }
  const int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("cannot create shm segment " + name + ": " + errno_text());
  if (::ftruncate(fd, static_cast<off_t>(shm_layout::kSegmentSize)) != 0) {
    const std::string err = errno_text();
    ::close(fd);
    ::shm_unlink(name.c_str());
    return Status::Unavailable("cannot size shm segment " + name + ": " + err);
  }
  void* p = ::mmap(nullptr, shm_layout::kSegmentSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const std::string map_err = errno_text();
  ::close(fd);
  if (p == MAP_FAILED) {
    ::shm_unlink(name.c_str());
    return Status::Unavailable("cannot map shm segment " + name + ": " + map_err);
  }
  auto* seg = new (p) shm_layout::Segment{};  // zeroed: magic 0 until ready
  shm_layout::Header& h = seg->header;
  h.layout_version.store(shm_layout::kLayoutVersion, std::memory_order_relaxed);
  h.segment_size.store(shm_layout::kSegmentSize, std::memory_order_relaxed);
  h.record_offset.store(shm_layout::kRecordOffset, std::memory_order_relaxed);
  h.record_size.store(shm_layout::kRecordSize, std::memory_order_relaxed);
  h.stale_after_ns.store(stale_after.count(), std::memory_order_relaxed);
  h.writer_pid.store(::getpid(), std::memory_order_relaxed);
  h.magic.store(shm_layout::kMagic, std::memory_order_release);
  return std::unique_ptr<ShmSegment>(new ShmSegment(name, seg));
}

ShmSegment::~ShmSegment() {
  (void)unlink();
  ::munmap(seg_, shm_layout::kSegmentSize);
}

Status ShmSegment::unlink() {
  if (!linked_) return Status::Ok();
  linked_ = false;
  if (::shm_unlink(name_.c_str()) != 0 && errno != ENOENT) {
    return Status::Unavailable("cannot remove shm segment " + name_ + ": " + errno_text());
  }
  return Status::Ok();
}

void ShmSegment::store_words(const shm_layout::RecordValue& r) {
  shm_layout::Record& rec = seg_->record;
  rec.ref_ns.store(r.ref_ns, std::memory_order_release);
  rec.offset_ns.store(r.offset_ns, std::memory_order_release);
  rec.frequency_ppm.store(shm_layout::double_bits(r.frequency_ppm), std::memory_order_release);
  rec.error_bound_ns.store(r.error_bound_ns, std::memory_order_release);
  rec.max_drift_ppm.store(shm_layout::double_bits(r.max_drift_ppm), std::memory_order_release);
  rec.heartbeat_ns.store(r.heartbeat_ns, std::memory_order_release);
  rec.state.store(std::uint64_t{r.status} | (std::uint64_t{r.leap} << 8),
                  std::memory_order_release);
}

}  // namespace kairos::shm
