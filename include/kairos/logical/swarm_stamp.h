// Swarm compound timestamps (Grishchenko, Swarm.js): "TIMESEQ+user~session", written in
// the 64-character alphabet 0-9 A-Z _ a-z ~, which is in ASCII order, so comparing stamps
// as strings compares them in time order (then by origin).
//
// Schemes (SwarmScheme):
// - kSecondPrecise: 5 chars of seconds since the epoch, then 2 chars of sequence within
//   the second when the sequence is not 0 (1..4095). Range: 2^30 s (34 years).
// - kMinutePrecise: 4 chars of minutes since the epoch, then the sequence: 1 char for
//   0..62 (Swarm's bytes), "~" + 2 chars for 63..4158. This is the one place kairos differs
//   from Swarm, which writes 63 as "~" and 64.. as 3 plain chars ("010"), so that 64 sorts
//   before 1 and 63 after 64; kairos refuses that 3-char form when parsing. Range: 2^24
//   minutes (31.9 years).
// - kLamport: 5 chars of a pure Lamport counter (0..2^30-1); no wall time.
// The epoch is configurable; the default is 2014-01-01T00:00:00Z as in Swarm's clock code
// (SecondPreciseClock.js); the Swarm write-up's 2010-01-01 is kSwarmEpoch2010.
//
// SwarmClock issues stamps that are greater than every stamp it issued or saw before, even
// when the wall clock steps back (Swarm's adjustTime can go backwards; this cannot): a
// step back keeps the last time and counts in the sequence, and a full sequence carries
// into the next second/minute. The origin "user~session": user is 1+ chars of 0-9A-Za-z_,
// session 1+ chars of the alphabet; the origin is at most 80 chars (Swarm's token limit).
//
// Thread safety: SwarmStamp is a value; a SwarmClock shared between threads needs a lock.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kairos/status.h"
#include "kairos/time.h"

namespace kairos::logical {

enum class SwarmScheme : unsigned char { kSecondPrecise, kMinutePrecise, kLamport };

inline constexpr UnixTime kSwarmEpoch2014{seconds(1'388'534'400)};  // 2014-01-01T00:00:00Z
inline constexpr UnixTime kSwarmEpoch2010{seconds(1'262'304'000)};  // 2010-01-01T00:00:00Z

struct SwarmStamp {
  SwarmScheme scheme = SwarmScheme::kSecondPrecise;
  std::uint32_t time = 0;  // seconds, minutes since the epoch, or the Lamport counter
  std::uint32_t seq = 0;   // sequence within the second/minute (always 0 for kLamport)
  std::string user;
  std::string session;

  // The wall time the stamp names (epoch + time units); the epoch for kLamport.
  UnixTime wall_time(UnixTime epoch = kSwarmEpoch2014) const;

  std::string to_string() const;
  static Result<SwarmStamp> parse(std::string_view text, SwarmScheme scheme);

  friend bool operator==(const SwarmStamp&, const SwarmStamp&) = default;
};

// The base-64 digits of v, left-padded with '0' to `width` chars (Swarm's int2base).
// Precondition: v < 64^width.
void swarm_int_to_base(std::uint32_t v, int width, std::string& out);

class SwarmClock {
 public:
  // `max_ahead`: how far beyond the local wall clock a seen stamp may be (time schemes
  // only); a stamp further ahead is refused, so one bad or hostile peer cannot drag every
  // later stamp into the future (the role of the HLC's max offset).
  static Result<SwarmClock> create(SwarmScheme scheme, std::string_view user,
                                   std::string_view session, UnixTime epoch = kSwarmEpoch2014,
                                   Duration max_ahead = std::chrono::hours(1));

  // Writes the next stamp into `out` (replacing its contents). OutOfRange when `now` is
  // before the epoch at the first issue or the scheme's range is exhausted.
  Status issue(UnixTime now, std::string& out);
  Result<std::string> issue(UnixTime now);
  // Observes a stamp from elsewhere, at local wall time `now`: later issues are greater
  // than it. Errors (the clock is unchanged): a stamp of another scheme
  // (InvalidArgument), or one more than max_ahead beyond `now` (OutOfRange).
  Status see(const SwarmStamp& stamp, UnixTime now);

  SwarmScheme scheme() const { return scheme_; }
  const std::string& origin() const { return origin_; }

 private:
  SwarmClock(SwarmScheme scheme, std::string origin, UnixTime epoch, Duration max_ahead)
      : scheme_(scheme), origin_(std::move(origin)), epoch_(epoch), max_ahead_(max_ahead) {}
  SwarmScheme scheme_;
  std::string origin_;  // "user~session"
  UnixTime epoch_;
  Duration max_ahead_;
  bool issued_or_seen_ = false;
  std::uint32_t last_time_ = 0;
  std::uint32_t last_seq_ = 0;
};

}  // namespace kairos::logical
