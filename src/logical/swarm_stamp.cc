#include "kairos/logical/swarm_stamp.h"

namespace kairos::logical {
namespace {

constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~";
constexpr std::size_t kMaxOrigin = 80;

int digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c == '_') return 36;
  if (c >= 'a' && c <= 'z') return c - 'a' + 37;
  if (c == '~') return 63;
  return -1;
}

bool base_to_int(std::string_view s, std::uint32_t& out) {
  std::uint32_t v = 0;
  for (char c : s) {
    const int d = digit(c);
    if (d < 0) return false;
    v = (v << 6) | static_cast<std::uint32_t>(d);
  }
  out = v;
  return true;
}

struct Limits {
  std::uint32_t max_time;  // exclusive
  std::uint32_t max_seq;   // inclusive
  Duration unit;
};

Limits limits(SwarmScheme s) {
  switch (s) {
    case SwarmScheme::kSecondPrecise: return {1u << 30, 4095, seconds(1)};
    case SwarmScheme::kMinutePrecise: return {1u << 24, 63 + 4095, minutes(1)};
    case SwarmScheme::kLamport: return {1u << 30, 0, Duration(0)};
  }
  return {0, 0, Duration(0)};
}

Status check_origin(std::string_view user, std::string_view session) {
  if (user.empty() || session.empty()) {
    return Status::InvalidArgument("swarm stamp: origin must be \"user~session\", both non-empty");
  }
  if (user.size() + 1 + session.size() > kMaxOrigin) {
    return Status::InvalidArgument("swarm stamp: origin longer than 80 chars");
  }
  for (char c : user) {
    if (digit(c) < 0 || c == '~') {
      return Status::InvalidArgument("swarm stamp: user may only use 0-9 A-Z _ a-z");
    }
  }
  for (char c : session) {
    if (digit(c) < 0) {
      return Status::InvalidArgument("swarm stamp: session may only use 0-9 A-Z _ a-z ~");
    }
  }
  return Status::Ok();
}

void format_timeseq(SwarmScheme scheme, std::uint32_t time, std::uint32_t seq,
                    std::string& out) {
  switch (scheme) {
    case SwarmScheme::kSecondPrecise:
      swarm_int_to_base(time, 5, out);
      if (seq > 0) swarm_int_to_base(seq, 2, out);
      break;
    case SwarmScheme::kMinutePrecise:
      swarm_int_to_base(time, 4, out);
      if (seq < 63) {
        out += kAlphabet[seq];
      } else {
        out += '~';
        swarm_int_to_base(seq - 63, 2, out);
      }
      break;
    case SwarmScheme::kLamport:
      swarm_int_to_base(time, 5, out);
      break;
  }
}

}  // namespace

void swarm_int_to_base(std::uint32_t v, int width, std::string& out) {
  char buf[6];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = kAlphabet[v & 63];
    v >>= 6;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

UnixTime SwarmStamp::wall_time(UnixTime epoch) const { return epoch + limits(scheme).unit * time; }

std::string SwarmStamp::to_string() const {
  std::string out;
  format_timeseq(scheme, time, seq, out);
  out += '+';
  out += user;
  out += '~';
  out += session;
  return out;
}

Result<SwarmStamp> SwarmStamp::parse(std::string_view text, SwarmScheme scheme) {
  const std::size_t plus = text.find('+');
  if (plus == std::string_view::npos) {
    return Status::InvalidArgument("swarm stamp: expected \"TIMESEQ+user~session\"");
  }
  const std::string_view timeseq = text.substr(0, plus);
  const std::string_view origin = text.substr(plus + 1);
  const std::size_t tilde = origin.find('~');
  if (tilde == std::string_view::npos) {
    return Status::InvalidArgument("swarm stamp: origin must be \"user~session\"");
  }
  SwarmStamp s;
  s.scheme = scheme;
  if (Status st = check_origin(origin.substr(0, tilde), origin.substr(tilde + 1)); !st.ok()) {
    return st;
  }
  s.user = std::string(origin.substr(0, tilde));
  s.session = std::string(origin.substr(tilde + 1));
  const auto bad_char = [] {
    return Status::InvalidArgument("swarm stamp: time and sequence use 0-9 A-Z _ a-z ~ only");
  };
  switch (scheme) {
    case SwarmScheme::kSecondPrecise:
      if (timeseq.size() != 5 && timeseq.size() != 7) {
        return Status::InvalidArgument(
            "swarm stamp: second-precise time is 5 chars, plus 2 of sequence");
      }
      if (!base_to_int(timeseq.substr(0, 5), s.time) || !base_to_int(timeseq.substr(5), s.seq)) {
        return bad_char();
      }
      if (timeseq.size() == 7 && s.seq == 0) {
        return Status::InvalidArgument("swarm stamp: sequence 0 is written without digits");
      }
      break;
    case SwarmScheme::kMinutePrecise:
      if (timeseq.size() != 5 && timeseq.size() != 7) {
        return Status::InvalidArgument(
            "swarm stamp: minute-precise time is 4 chars, plus 1 or 3 of sequence");
      }
      if (!base_to_int(timeseq.substr(0, 4), s.time)) return bad_char();
      if (timeseq.size() == 5) {
        if (timeseq[4] == '~') {
          return Status::InvalidArgument(
              "swarm stamp: a 1-char minute sequence is 0..62; 63 and above are \"~XX\"");
        }
        if (!base_to_int(timeseq.substr(4), s.seq)) return bad_char();
      } else {
        if (timeseq[4] != '~') {
          return Status::InvalidArgument(
              "swarm stamp: Swarm's 3-char minute sequence (e.g. \"010\" for 64) does not sort "
              "after 1-char ones; kairos writes \"~\" and 2 chars (sequence - 63)");
        }
        if (!base_to_int(timeseq.substr(5), s.seq)) return bad_char();
        s.seq += 63;
      }
      break;
    case SwarmScheme::kLamport:
      if (timeseq.size() != 5) {
        return Status::InvalidArgument("swarm stamp: a Lamport stamp is 5 chars");
      }
      if (!base_to_int(timeseq, s.time)) return bad_char();
      break;
  }
  return s;
}

Result<SwarmClock> SwarmClock::create(SwarmScheme scheme, std::string_view user,
                                      std::string_view session, UnixTime epoch,
                                      Duration max_ahead) {
  if (Status s = check_origin(user, session); !s.ok()) return s;
  std::string origin(user);
  origin += '~';
  origin += session;
  if (max_ahead < Duration(0)) return Status::InvalidArgument("swarm clock: max_ahead must not be negative");
  return SwarmClock(scheme, std::move(origin), epoch, max_ahead);
}

Status SwarmClock::see(const SwarmStamp& stamp, UnixTime now) {
  if (stamp.scheme != scheme_) {
    return Status::InvalidArgument("swarm clock: a stamp of another scheme cannot be ordered");
  }
  if (scheme_ != SwarmScheme::kLamport) {
    const Duration ahead = epoch_ + stamp.time * limits(scheme_).unit - now;
    if (ahead > max_ahead_) {
      return Status::OutOfRange("swarm clock: seen stamp is " + format_duration(ahead) +
                                " ahead of the local clock (limit " + format_duration(max_ahead_) +
                                ")");
    }
  }
  if (!issued_or_seen_ || stamp.time > last_time_ ||
      (stamp.time == last_time_ && stamp.seq > last_seq_)) {
    last_time_ = stamp.time;
    last_seq_ = stamp.seq;
    issued_or_seen_ = true;
  }
  return Status::Ok();
}

Status SwarmClock::issue(UnixTime now, std::string& out) {
  const Limits lim = limits(scheme_);
  std::uint32_t time = 0, seq = 0;
  if (scheme_ == SwarmScheme::kLamport) {
    if (issued_or_seen_) {
      if (last_time_ + 1 >= lim.max_time) {
        return Status::OutOfRange("swarm clock: Lamport counter exhausted (2^30)");
      }
      time = last_time_ + 1;
    }
  } else {
    std::int64_t wall = -1;
    if (now >= epoch_) wall = (now - epoch_) / lim.unit;
    if (!issued_or_seen_ || wall > static_cast<std::int64_t>(last_time_)) {
      if (wall < 0) return Status::OutOfRange("swarm clock: time is before the epoch");
      time = static_cast<std::uint32_t>(std::min<std::int64_t>(wall, lim.max_time));
    } else if (last_seq_ < lim.max_seq) {
      time = last_time_;
      seq = last_seq_ + 1;
    } else {
      time = last_time_ + 1;  // the sequence is full: borrow the next second/minute
    }
    if (time >= lim.max_time) {
      return Status::OutOfRange("swarm clock: time beyond the scheme's range from the epoch");
    }
  }
  last_time_ = time;
  last_seq_ = seq;
  issued_or_seen_ = true;
  out.clear();
  format_timeseq(scheme_, time, seq, out);
  out += '+';
  out += origin_;
  return Status::Ok();
}

Result<std::string> SwarmClock::issue(UnixTime now) {
  std::string out;
  if (Status s = issue(now, out); !s.ok()) return s;
  return out;
}

}  // namespace kairos::logical
