/* kairos bounded time, C API: the same reader as include/kairos/bounded_clock.h with the
 * same semantics, for C and for other languages' FFI. Link libkairos.
 *
 * Times are int64 nanoseconds since the Unix epoch (UTC, POSIX scale: leap seconds not
 * counted). A reading [earliest, latest] contains true time. Functions return 0 (KAIROS_OK)
 * or one of the KAIROS_E* codes; kairos_strerror() names them.
 *
 * kairos_now() reads the default segment: the name in $KAIROS_SHM_NAME, else "/kairos",
 * opened on first use. On KAIROS_ESTALE and KAIROS_EUNSYNC the outputs are still filled
 * (status says which); on other errors they are left unchanged.
 *
 * Thread safety: every function may be called from any thread, except that a
 * kairos_clock must not be closed while other threads use it.
 */
#ifndef KAIROS_BOUNDED_CLOCK_C_H_
#define KAIROS_BOUNDED_CLOCK_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status of a reading (same values as the segment's status byte). */
enum {
  KAIROS_STATUS_UNSYNCHRONIZED = 0,
  KAIROS_STATUS_SYNCHRONIZED = 1,
  KAIROS_STATUS_FREE_RUNNING = 2,
  KAIROS_STATUS_STALE = 3
};

/* Error codes. */
enum {
  KAIROS_OK = 0,
  KAIROS_ENOSEGMENT = 1, /* no segment of that name: daemon not running or shm off */
  KAIROS_EVERSION = 2,   /* the segment has a layout version this library does not read */
  KAIROS_EBADSEGMENT = 3,/* not a kairos segment, wrong sizes, implausible record */
  KAIROS_ESTALE = 4,     /* the writer stopped: heartbeat older than the staleness age */
  KAIROS_EUNSYNC = 5,    /* the daemon is not synchronized */
  KAIROS_ESYSTEM = 6,    /* an OS call failed */
  KAIROS_ETIMEOUT = 7,   /* kairos_commit_wait gave up */
  KAIROS_EINVAL = 8      /* bad argument (name, null pointer) */
};

typedef struct kairos_clock kairos_clock;

/* Opens a segment by name (NULL: "/kairos"). On failure returns the code, sets *out to
 * NULL and, if err is not NULL, writes a message naming the problem into err[err_len]. */
int kairos_open(const char* name, kairos_clock** out, char* err, size_t err_len);
void kairos_close(kairos_clock* clock);

/* [earliest_ns, latest_ns] now, and the status (KAIROS_STATUS_*); status may be NULL. */
int kairos_clock_now(const kairos_clock* clock, int64_t* earliest_ns, int64_t* latest_ns,
                     int* status);
/* The same on the default segment. */
int kairos_now(int64_t* earliest_ns, int64_t* latest_ns, int* status);

/* 1 if t is surely past (earliest > t), 0 if not or on error. */
int kairos_after(const kairos_clock* clock, int64_t t_ns);
/* 1 if t is surely future (latest < t), 0 if not or on error. */
int kairos_before(const kairos_clock* clock, int64_t t_ns);
/* Blocks until t is surely past (KAIROS_OK), or KAIROS_ETIMEOUT after max_wait_ns, or the
 * read error. */
int kairos_commit_wait(const kairos_clock* clock, int64_t t_ns, int64_t max_wait_ns);

/* A static description of an error code. */
const char* kairos_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif /* KAIROS_BOUNDED_CLOCK_C_H_ */
