// BoundedClock: bounded time for any process on the host, read from the shared-memory
// segment that `kairos serve` publishes (default name "/kairos"). now() returns
// [earliest, latest] in nanoseconds since the Unix epoch (UTC, POSIX scale: leap seconds
// are not counted) such that true time is inside the interval, as TrueTime's TT.now().
// One read costs one CLOCK_REALTIME reading (vDSO, no syscall) plus a seqlock copy.
//
// This header is the whole reader: it needs only the C++20 standard library and POSIX
// (link -lrt on old glibc). It also defines the segment layout (namespace shm_layout),
// which the writer in src/shm includes, so reader and writer share one definition.
// docs/shm-format.md describes the same layout for readers in other languages.
//
// Guarantees (docs/bounded-time.md has the arithmetic):
// - No torn reads: each interval comes from exactly one record the writer published.
// - For one record, earliest, midpoint and latest never decrease as the system clock
//   advances.
// - The midpoint never decreases across records either (the writer slews instead of
//   stepping back), as long as the system clock itself is not stepped back.
// - earliest/latest across records follow the published bound: a tighter bound raises
//   earliest and lowers latest; both still contain true time.
//
// Thread safety: a BoundedClock's const methods may be called from any number of threads
// at once; open()/reopen() and moves need exclusive access.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace kairos {

// The segment layout, version 1 (docs/shm-format.md). Native byte order (readers share
// the writer's host). Every field is an 8-byte aligned word accessed atomically, so the
// layout is address-free and the same in every process.
namespace shm_layout {

// "kairosTT" as little-endian bytes.
inline constexpr std::uint64_t kMagic = 0x5454736f7269616bULL;
inline constexpr std::uint32_t kLayoutVersion = 1;
inline constexpr std::size_t kSegmentSize = 128;
inline constexpr std::size_t kRecordOffset = 64;
inline constexpr std::size_t kRecordSize = 64;

// Limits the writer enforces and the reader checks, so the arithmetic cannot overflow.
inline constexpr double kMaxRatePpm = 100'000.0;     // |frequency_ppm| and max_drift_ppm
inline constexpr std::int64_t kMaxMagnitudeNs = std::int64_t{1} << 60;  // |offset|, bound
inline constexpr std::int64_t kMaxTimeNs = std::int64_t{1} << 62;       // ref, readings (2116)

// Bytes 0..63: written once when the segment is created; `magic` is stored last.
struct Header {
  std::atomic<std::uint64_t> magic;     // kMagic once the segment is ready
  std::atomic<std::uint32_t> layout_version;
  std::atomic<std::uint32_t> segment_size;  // bytes of the whole segment (128 in v1)
  std::atomic<std::uint32_t> record_offset;  // 64 in v1
  std::atomic<std::uint32_t> record_size;    // 64 in v1
  std::atomic<std::int64_t> stale_after_ns;  // writer's configured staleness age (> 0)
  std::atomic<std::int64_t> writer_pid;      // for diagnostics only
  std::atomic<std::uint64_t> reserved[3];    // zero
};

// Record words (bytes 64..127), guarded by `sequence` (a seqlock: odd while a write is in
// progress). Units: ns are int64 nanoseconds on the CLOCK_REALTIME scale; ppm are IEEE-754
// binary64 in parts per million.
struct Record {
  std::atomic<std::uint64_t> sequence;
  std::atomic<std::int64_t> ref_ns;          // system CLOCK_REALTIME at the record's anchor
  std::atomic<std::int64_t> offset_ns;       // virtual − system at ref_ns
  std::atomic<std::uint64_t> frequency_ppm;  // f64 bits: virtual rate vs system, + = faster
  std::atomic<std::int64_t> error_bound_ns;  // bound at ref_ns (>= 0)
  std::atomic<std::uint64_t> max_drift_ppm;  // f64 bits: bound growth after ref_ns (>= 0)
  std::atomic<std::int64_t> heartbeat_ns;    // system CLOCK_REALTIME of the writer's last write
  std::atomic<std::uint64_t> state;          // byte 0 status, byte 1 leap, others zero
};

struct Segment {
  Header header;
  Record record;
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint64_t>) == 8 && sizeof(std::atomic<std::uint32_t>) == 4);
static_assert(sizeof(Header) == kRecordOffset);
static_assert(sizeof(Record) == kRecordSize);
static_assert(sizeof(Segment) == kSegmentSize);

// A record's contents as plain values (a consistent copy).
struct RecordValue {
  std::int64_t ref_ns = 0;
  std::int64_t offset_ns = 0;
  double frequency_ppm = 0.0;
  std::int64_t error_bound_ns = 0;
  double max_drift_ppm = 0.0;
  std::int64_t heartbeat_ns = 0;
  std::uint8_t status = 0;
  std::uint8_t leap = 3;
};

inline std::uint64_t double_bits(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}
inline double bits_double(std::uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

// True when the arithmetic below cannot overflow for this record.
inline bool plausible(const RecordValue& r) {
  return r.status <= 3 && r.leap <= 3 && r.ref_ns >= 0 && r.ref_ns < kMaxTimeNs &&
         r.offset_ns > -kMaxMagnitudeNs && r.offset_ns < kMaxMagnitudeNs &&
         r.error_bound_ns >= 0 && r.error_bound_ns < kMaxMagnitudeNs &&
         r.frequency_ppm >= -kMaxRatePpm && r.frequency_ppm <= kMaxRatePpm &&
         r.max_drift_ppm >= 0.0 && r.max_drift_ppm <= kMaxRatePpm;
}

// floor and ceil of |x| < 2^62 to int64, without libm calls (x86-64's baseline has no
// SSE4.1 rounding instruction, and these are on every read's path).
inline std::int64_t floor_to_int(double x) {
  const auto i = static_cast<std::int64_t>(x);  // truncates toward zero
  return static_cast<double>(i) > x ? i - 1 : i;
}
inline std::int64_t ceil_to_int(double x) {
  const auto i = static_cast<std::int64_t>(x);
  return static_cast<double>(i) < x ? i + 1 : i;
}

// The interval a record gives at system reading t_ns (0 <= t_ns < 2^62), with d = t − ref:
//   d > 0:  earliest = t + offset + floor(d·(f − m)·1e-6) − bound
//           latest   = t + offset + ceil (d·(f + m)·1e-6) + bound
//   d <= 0: the same with m = 0 (the bound never shrinks before ref)
// Each term is one IEEE multiplication, so both ends are non-decreasing in t.
inline void interval_at(const RecordValue& r, std::int64_t t_ns, std::int64_t& earliest_ns,
                        std::int64_t& latest_ns) {
  const std::int64_t d = t_ns - r.ref_ns;
  const double m = d > 0 ? r.max_drift_ppm : 0.0;
  const double dd = static_cast<double>(d);
  const std::int64_t lo = floor_to_int(dd * ((r.frequency_ppm - m) * 1e-6));
  const std::int64_t hi = ceil_to_int(dd * ((r.frequency_ppm + m) * 1e-6));
  const std::int64_t base = t_ns + r.offset_ns;
  earliest_ns = base + lo - r.error_bound_ns;
  latest_ns = base + hi + r.error_bound_ns;
}

// floor((earliest + latest) / 2), without overflow.
inline std::int64_t midpoint_of(std::int64_t earliest_ns, std::int64_t latest_ns) {
  return earliest_ns + (latest_ns - earliest_ns) / 2;
}

// Seqlock read: one attempt. False if a write overlapped (retry). `read_clock` is called
// inside the read section, so the reading and the record are consistent. Data words are
// loaded with acquire (free on x86): a word from a newer write makes that write's odd
// sequence visible to the final check, without fences.
template <typename ReadClock>
inline bool try_read(const Record& rec, RecordValue& out, std::int64_t& t_ns,
                     ReadClock&& read_clock) {
  constexpr auto acq = std::memory_order_acquire;
  const std::uint64_t s1 = rec.sequence.load(acq);
  if (s1 & 1) return false;
  out.ref_ns = rec.ref_ns.load(acq);
  out.offset_ns = rec.offset_ns.load(acq);
  out.frequency_ppm = bits_double(rec.frequency_ppm.load(acq));
  out.error_bound_ns = rec.error_bound_ns.load(acq);
  out.max_drift_ppm = bits_double(rec.max_drift_ppm.load(acq));
  out.heartbeat_ns = rec.heartbeat_ns.load(acq);
  const std::uint64_t state = rec.state.load(acq);
  t_ns = read_clock();
  if (rec.sequence.load(acq) != s1) return false;
  out.status = static_cast<std::uint8_t>(state & 0xff);
  out.leap = static_cast<std::uint8_t>((state >> 8) & 0xff);
  return true;
}

}  // namespace shm_layout

// Same values as kairos::SyncStatus.
enum class BoundedStatus : std::uint8_t {
  kUnsynchronized = 0,
  kSynchronized = 1,
  kFreeRunning = 2,
  kStale = 3,
};

enum class BoundedError : int {
  kOk = 0,
  kNoSegment = 1,         // the segment does not exist (daemon not running, or shm off)
  kWrongVersion = 2,      // a layout version this reader does not understand
  kBadSegment = 3,        // not a kairos segment, wrong sizes, or an implausible record
  kStale = 4,             // the writer's heartbeat is older than the staleness age
  kUnsynchronized = 5,    // the daemon is not synchronized: the interval is not trustworthy
  kSystemError = 6,       // an OS call failed (permissions, mmap, ...)
  kTimeout = 7,           // commit_wait gave up
  kInvalidArgument = 8,   // a bad segment name
};

inline const char* bounded_status_name(BoundedStatus s) {
  switch (s) {
    case BoundedStatus::kUnsynchronized: return "unsynchronized";
    case BoundedStatus::kSynchronized: return "synchronized";
    case BoundedStatus::kFreeRunning: return "free-running";
    case BoundedStatus::kStale: return "stale";
  }
  return "unknown";
}

inline const char* bounded_error_name(BoundedError e) {
  switch (e) {
    case BoundedError::kOk: return "ok";
    case BoundedError::kNoSegment: return "no bounded-clock segment";
    case BoundedError::kWrongVersion: return "unsupported segment layout version";
    case BoundedError::kBadSegment: return "not a valid kairos bounded-clock segment";
    case BoundedError::kStale: return "the writer stopped updating (stale)";
    case BoundedError::kUnsynchronized: return "the clock is not synchronized";
    case BoundedError::kSystemError: return "system error";
    case BoundedError::kTimeout: return "timed out";
    case BoundedError::kInvalidArgument: return "invalid argument";
  }
  return "unknown error";
}

// One bounded reading. Invariant: earliest_ns <= midpoint_ns <= latest_ns.
struct TimeInterval {
  std::int64_t earliest_ns = 0;  // true time is surely >= this (ns since the Unix epoch)
  std::int64_t latest_ns = 0;    // true time is surely <= this
  BoundedStatus status = BoundedStatus::kUnsynchronized;
  std::uint8_t leap = 3;         // 0 none, 1 insert, 2 delete, 3 unknown (as kairos::Leap)

  std::int64_t midpoint_ns() const { return shm_layout::midpoint_of(earliest_ns, latest_ns); }
  // Half-width, rounded up: [midpoint − bound, midpoint + bound] covers the interval.
  std::int64_t error_bound_ns() const { return latest_ns - midpoint_ns(); }
};

// The interval of one record at system reading t_ns, and whether it may be trusted:
// kStale when t_ns − heartbeat > stale_after_ns (status then says stale; the bound has
// kept widening from the record), kUnsynchronized for an unsynchronized record.
inline BoundedError bounded_interval(const shm_layout::RecordValue& r, std::int64_t t_ns,
                                     std::int64_t stale_after_ns, TimeInterval& out) {
  if (t_ns < 0 || t_ns >= shm_layout::kMaxTimeNs) return BoundedError::kInvalidArgument;
  if (!shm_layout::plausible(r)) return BoundedError::kBadSegment;
  shm_layout::interval_at(r, t_ns, out.earliest_ns, out.latest_ns);
  out.status = static_cast<BoundedStatus>(r.status);
  out.leap = r.leap;
  if (t_ns - r.heartbeat_ns > stale_after_ns) {
    out.status = BoundedStatus::kStale;
    return BoundedError::kStale;
  }
  if (out.status == BoundedStatus::kStale) return BoundedError::kStale;
  if (out.status == BoundedStatus::kUnsynchronized) return BoundedError::kUnsynchronized;
  return BoundedError::kOk;
}

// Spanner's commit wait, over any time source: returns kOk once now().earliest > t_ns.
// `now(TimeInterval&) -> BoundedError` reads; `wait_ns(int64_t)` lets about that much
// time pass (a sleep on the real clock, ManualClock::advance in tests). Gives up with
// kTimeout after waiting max_wait_ns in total, or with now()'s error.
template <typename Now, typename Wait>
BoundedError commit_wait_with(std::int64_t t_ns, std::int64_t max_wait_ns, Now&& now,
                              Wait&& wait_ns) {
  std::int64_t waited = 0;
  for (;;) {
    TimeInterval i;
    if (const BoundedError e = now(i); e != BoundedError::kOk) return e;
    if (i.earliest_ns > t_ns) return BoundedError::kOk;
    if (waited >= max_wait_ns) return BoundedError::kTimeout;
    // earliest advances about 1 ns per ns (within the rate terms): wait for the gap.
    std::int64_t step = t_ns - i.earliest_ns + 1;
    if (step > max_wait_ns - waited) step = max_wait_ns - waited;
    if (step < 1) step = 1;
    wait_ns(step);
    waited += step;
  }
}

class BoundedClock {
 public:
  static constexpr const char* kDefaultName = "/kairos";

  BoundedClock() = default;
  // Opens `name` (see open()); check ok().
  explicit BoundedClock(std::string_view name) { open(name); }
  ~BoundedClock() { close(); }
  BoundedClock(const BoundedClock&) = delete;
  BoundedClock& operator=(const BoundedClock&) = delete;
  BoundedClock(BoundedClock&& o) noexcept { *this = std::move(o); }
  BoundedClock& operator=(BoundedClock&& o) noexcept {
    if (this != &o) {
      close();
      seg_ = std::exchange(o.seg_, nullptr);
      map_size_ = o.map_size_;
      stale_after_ns_ = o.stale_after_ns_;
      name_ = std::move(o.name_);
      error_ = std::exchange(o.error_, BoundedError::kNoSegment);
      message_ = std::move(o.message_);
    }
    return *this;
  }

  // Maps the segment read-only and checks its magic, layout version and sizes. A POSIX
  // shm name: "/" followed by up to 254 characters, no other "/".
  BoundedError open(std::string_view name) {
    close();
    name_ = std::string(name);
    if (name_.size() < 2 || name_.size() > 255 || name_[0] != '/' ||
        name_.find('/', 1) != std::string::npos) {
      return fail(BoundedError::kInvalidArgument,
                  "shm name '" + name_ + "' must be '/' followed by 1-254 characters, no other '/'");
    }
    const int fd = ::shm_open(name_.c_str(), O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
      const int err = errno;
      if (err == ENOENT) {
        return fail(BoundedError::kNoSegment,
                    "no bounded-clock segment " + name_ +
                        " (is `kairos serve` running with this --shm-name?)");
      }
      return fail(BoundedError::kSystemError, "cannot open " + name_ + ": " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return fail(BoundedError::kSystemError, "cannot stat " + name_ + ": " + std::strerror(err));
    }
    if (st.st_size < 16) {
      ::close(fd);
      return fail(BoundedError::kBadSegment, "segment " + name_ + " is " +
                                                 std::to_string(st.st_size) +
                                                 " bytes, too small for a kairos header");
    }
    const std::size_t map_size = static_cast<std::size_t>(st.st_size) < shm_layout::kSegmentSize
                                     ? static_cast<std::size_t>(st.st_size)
                                     : shm_layout::kSegmentSize;
    void* p = ::mmap(nullptr, map_size, PROT_READ, MAP_SHARED, fd, 0);
    const int map_err = errno;
    ::close(fd);
    if (p == MAP_FAILED) {
      return fail(BoundedError::kSystemError, "cannot map " + name_ + ": " + std::strerror(map_err));
    }
    seg_ = static_cast<const shm_layout::Segment*>(p);
    map_size_ = map_size;
    const shm_layout::Header& h = seg_->header;
    const std::uint64_t magic = h.magic.load(std::memory_order_acquire);
    if (magic != shm_layout::kMagic) {
      return fail_unmap(BoundedError::kBadSegment,
                        "segment " + name_ + " is not a kairos bounded-clock segment (bad magic" +
                            (magic == 0 ? "; if the daemon is just starting, retry)" : ")"));
    }
    const std::uint32_t version = h.layout_version.load(std::memory_order_relaxed);
    if (version != shm_layout::kLayoutVersion) {
      return fail_unmap(BoundedError::kWrongVersion,
                        "segment " + name_ + " has layout version " + std::to_string(version) +
                            "; this reader understands version " +
                            std::to_string(shm_layout::kLayoutVersion) +
                            " (update the reader or the daemon so they match)");
    }
    if (map_size != shm_layout::kSegmentSize ||
        h.segment_size.load(std::memory_order_relaxed) != shm_layout::kSegmentSize ||
        h.record_offset.load(std::memory_order_relaxed) != shm_layout::kRecordOffset ||
        h.record_size.load(std::memory_order_relaxed) != shm_layout::kRecordSize) {
      return fail_unmap(BoundedError::kBadSegment,
                        "segment " + name_ + " claims layout version 1 but has the wrong sizes");
    }
    stale_after_ns_ = h.stale_after_ns.load(std::memory_order_relaxed);
    if (stale_after_ns_ <= 0) {
      return fail_unmap(BoundedError::kBadSegment,
                        "segment " + name_ + " has a non-positive staleness age");
    }
    error_ = BoundedError::kOk;
    message_.clear();
    return error_;
  }

  // Maps the segment again by name (after the daemon restarted and made a new one).
  BoundedError reopen() { return open(std::string(name_)); }

  bool ok() const { return seg_ != nullptr; }
  // Why open() failed (kOk when open).
  BoundedError error() const { return error_; }
  const std::string& message() const { return message_; }
  const std::string& name() const { return name_; }
  // The writer's configured staleness age (ns).
  std::int64_t stale_after_ns() const { return stale_after_ns_; }

  // Bounded time now. On kStale / kUnsynchronized `out` is still filled (status says
  // which); on other errors it is left unchanged.
  BoundedError now(TimeInterval& out) const {
    return read(out, [] {
      timespec ts;
      ::clock_gettime(CLOCK_REALTIME, &ts);
      return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    });
  }
  // The same at a given system CLOCK_REALTIME reading (for tests and replays).
  BoundedError now_at(std::int64_t system_realtime_ns, TimeInterval& out) const {
    return read(out, [system_realtime_ns] { return system_realtime_ns; });
  }

  // t is surely in the past: earliest > t. False on any error.
  bool after(std::int64_t t_ns) const {
    TimeInterval i;
    return now(i) == BoundedError::kOk && i.earliest_ns > t_ns;
  }
  // t is surely in the future: latest < t. False on any error.
  bool before(std::int64_t t_ns) const {
    TimeInterval i;
    return now(i) == BoundedError::kOk && i.latest_ns < t_ns;
  }
  // Blocks (sleeping in steps of at most 1 ms) until after(t_ns); kTimeout after
  // max_wait_ns, or the read error.
  BoundedError commit_wait(std::int64_t t_ns, std::int64_t max_wait_ns = 10'000'000'000) const {
    return commit_wait_with(
        t_ns, max_wait_ns, [this](TimeInterval& i) { return now(i); },
        [](std::int64_t ns) {
          const std::int64_t step = ns < 1'000'000 ? ns : 1'000'000;
          timespec ts{0, static_cast<long>(step)};
          ::nanosleep(&ts, nullptr);
        });
  }

 private:
  template <typename ReadClock>
  BoundedError read(TimeInterval& out, ReadClock&& read_clock) const {
    if (seg_ == nullptr) return error_;
    shm_layout::RecordValue r;
    std::int64_t t = 0;
    while (!shm_layout::try_read(seg_->record, r, t, read_clock)) {
    }
    return bounded_interval(r, t, stale_after_ns_, out);
  }

  BoundedError fail(BoundedError e, std::string message) {
    error_ = e;
    message_ = std::move(message);
    return e;
  }
  BoundedError fail_unmap(BoundedError e, std::string message) {
    close();
    return fail(e, std::move(message));
  }
  void close() {
    if (seg_ != nullptr) ::munmap(const_cast<shm_layout::Segment*>(seg_), map_size_);
    seg_ = nullptr;
  }

  const shm_layout::Segment* seg_ = nullptr;
  std::size_t map_size_ = 0;
  std::int64_t stale_after_ns_ = 0;
  std::string name_;
  BoundedError error_ = BoundedError::kNoSegment;
  std::string message_;
};

}  // namespace kairos
