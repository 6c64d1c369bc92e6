// The C API (include/kairos/bounded_clock_c.h) over the header-only C++ reader.
#include "kairos/bounded_clock_c.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "kairos/bounded_clock.h"

struct kairos_clock {
  kairos::BoundedClock reader;
};

namespace {

static_assert(KAIROS_ENOSEGMENT == static_cast<int>(kairos::BoundedError::kNoSegment));
static_assert(KAIROS_EVERSION == static_cast<int>(kairos::BoundedError::kWrongVersion));
static_assert(KAIROS_EBADSEGMENT == static_cast<int>(kairos::BoundedError::kBadSegment));
static_assert(KAIROS_ESTALE == static_cast<int>(kairos::BoundedError::kStale));
static_assert(KAIROS_EUNSYNC == static_cast<int>(kairos::BoundedError::kUnsynchronized));
static_assert(KAIROS_ESYSTEM == static_cast<int>(kairos::BoundedError::kSystemError));
static_assert(KAIROS_ETIMEOUT == static_cast<int>(kairos::BoundedError::kTimeout));
static_assert(KAIROS_EINVAL == static_cast<int>(kairos::BoundedError::kInvalidArgument));
static_assert(KAIROS_STATUS_STALE == static_cast<int>(kairos::BoundedStatus::kStale));

int code(kairos::BoundedError e) { return static_cast<int>(e); }

// The default segment, opened once and kept for the life of the process (a failed open
// is retried on the next call). The fast path is one acquire load.
const kairos_clock* default_clock(int& error) {
  static std::atomic<kairos_clock*> opened{nullptr};
  static std::mutex mu;
  if (const kairos_clock* c = opened.load(std::memory_order_acquire)) return c;
  std::lock_guard lock(mu);
  if (kairos_clock* c = opened.load(std::memory_order_relaxed)) return c;
  const char* env = std::getenv("KAIROS_SHM_NAME");
  kairos_clock* c = nullptr;
  error = kairos_open(env != nullptr && *env != '\0' ? env : nullptr, &c, nullptr, 0);
  opened.store(c, std::memory_order_release);
  return c;
}

}  // namespace

extern "C" {

int kairos_open(const char* name, kairos_clock** out, char* err, size_t err_len) {
  if (out == nullptr) return KAIROS_EINVAL;
  *out = nullptr;
  auto* c = new kairos_clock{};
  const kairos::BoundedError e =
      c->reader.open(name != nullptr ? name : kairos::BoundedClock::kDefaultName);
  if (e != kairos::BoundedError::kOk) {
    if (err != nullptr && err_len > 0) std::snprintf(err, err_len, "%s", c->reader.message().c_str());
    delete c;
    return code(e);
  }
  *out = c;
  return KAIROS_OK;
}

void kairos_close(kairos_clock* clock) { delete clock; }

int kairos_clock_now(const kairos_clock* clock, int64_t* earliest_ns, int64_t* latest_ns,
                     int* status) {
  if (clock == nullptr || earliest_ns == nullptr || latest_ns == nullptr) return KAIROS_EINVAL;
  kairos::TimeInterval i;
  const kairos::BoundedError e = clock->reader.now(i);
  if (e == kairos::BoundedError::kOk || e == kairos::BoundedError::kStale ||
      e == kairos::BoundedError::kUnsynchronized) {
    *earliest_ns = i.earliest_ns;
    *latest_ns = i.latest_ns;
    if (status != nullptr) *status = static_cast<int>(i.status);
  }
  return code(e);
}

int kairos_now(int64_t* earliest_ns, int64_t* latest_ns, int* status) {
  int error = KAIROS_OK;
  const kairos_clock* c = default_clock(error);
  if (c == nullptr) return error;
  return kairos_clock_now(c, earliest_ns, latest_ns, status);
}

int kairos_after(const kairos_clock* clock, int64_t t_ns) {
  return clock != nullptr && clock->reader.after(t_ns) ? 1 : 0;
}

int kairos_before(const kairos_clock* clock, int64_t t_ns) {
  return clock != nullptr && clock->reader.before(t_ns) ? 1 : 0;
}

int kairos_commit_wait(const kairos_clock* clock, int64_t t_ns, int64_t max_wait_ns) {
  if (clock == nullptr) return KAIROS_EINVAL;
  return code(clock->reader.commit_wait(t_ns, max_wait_ns));
}

const char* kairos_strerror(int c) {
  if (c < 0 || c > KAIROS_EINVAL) return "unknown kairos error code";
  return kairos::bounded_error_name(static_cast<kairos::BoundedError>(c));
}

}  // extern "C"
