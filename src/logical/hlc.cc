#include "kairos/logical/hlc.h"

#include "logical/text_reader.h"

namespace kairos::logical {

std::array<std::uint8_t, 8> HlcTimestamp::encode() const {
  std::array<std::uint8_t, 8> out{};
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(packed_ >> (56 - 8 * i));
  return out;
}

Result<HlcTimestamp> HlcTimestamp::decode(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != 8) {
    return Status::InvalidArgument("hlc timestamp: expected 8 bytes, got " +
                                   std::to_string(bytes.size()));
  }
  std::uint64_t v = 0;
  for (std::uint8_t b : bytes) v = (v << 8) | b;
  return from_packed(v);
}

std::string HlcTimestamp::to_string() const {
  return std::to_string(physical_ms()) + ":" + std::to_string(logical());
}

Result<HlcTimestamp> HlcTimestamp::parse(std::string_view text) {
  internal::TextReader r(text);
  std::uint64_t ms = 0, logical = 0;
  if (!r.number(kMaxPhysicalMs, ms)) {
    return Status::InvalidArgument("hlc timestamp: expected physical milliseconds below 2^48 " +
                                   r.where() + " in \"PHYSICAL_MS:LOGICAL\"");
  }
  if (!r.eat(':')) return Status::InvalidArgument("hlc timestamp: expected ':' " + r.where());
  if (!r.number(kMaxLogical, logical)) {
    return Status::InvalidArgument("hlc timestamp: expected a logical counter 0..65535 " +
                                   r.where());
  }
  if (!r.done()) return Status::InvalidArgument("hlc timestamp: trailing bytes " + r.where());
  return from_parts(ms, static_cast<std::uint32_t>(logical));
}

namespace hlc {

Status check_remote(HlcTimestamp remote, std::uint64_t pt_ms, Duration max_offset) {
  const auto offset_ms = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<milliseconds>(max_offset).count()));
  if (remote.physical_ms() > pt_ms && remote.physical_ms() - pt_ms > offset_ms) {
    return Status::OutOfRange("hlc: remote timestamp " + remote.to_string() + " is " +
                              std::to_string(remote.physical_ms() - pt_ms) +
                              " ms ahead of local physical time, beyond the max offset of " +
                              format_duration(max_offset));
  }
  return Status::Ok();
}

}  // namespace hlc

Result<HlcTimestamp> HybridLogicalClock::update(HlcTimestamp remote, UnixTime pt) {
  const std::uint64_t pt_ms = hlc::to_ms(pt);
  if (Status s = hlc::check_remote(remote, pt_ms, max_offset_); !s.ok()) return s;
  last_ = hlc::next(std::max(last_, remote.packed()), pt_ms);
  return HlcTimestamp::from_packed(last_);
}

Result<HlcTimestamp> AtomicHybridLogicalClock::update(HlcTimestamp remote, UnixTime pt) {
  const std::uint64_t pt_ms = hlc::to_ms(pt);
  if (Status s = hlc::check_remote(remote, pt_ms, max_offset_); !s.ok()) return s;
  std::uint64_t cur = last_.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    next = hlc::next(std::max(cur, remote.packed()), pt_ms);
  } while (!last_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                        std::memory_order_relaxed));
  return HlcTimestamp::from_packed(next);
}

PersistedHybridLogicalClock::PersistedHybridLogicalClock(Duration max_offset,
                                                         std::uint64_t persisted_upper_bound_ms)
    : max_offset_(max_offset),
      last_(HlcTimestamp::from_parts(
                std::min(persisted_upper_bound_ms, HlcTimestamp::kMaxPhysicalMs), 0)
                .packed()),
      upper_bound_ms_(persisted_upper_bound_ms) {}

std::uint64_t PersistedHybridLogicalClock::proposed_upper_bound_ms(UnixTime pt,
                                                                   Duration lead) const {
  const std::uint64_t lead_ms = static_cast<std::uint64_t>(
      std::max<std::int64_t>(1, std::chrono::duration_cast<milliseconds>(lead).count()));
  return std::max(hlc::to_ms(pt), last().physical_ms()) + lead_ms;
}

Result<HlcTimestamp> PersistedHybridLogicalClock::commit(std::uint64_t candidate) {
  const HlcTimestamp stamp = HlcTimestamp::from_packed(candidate);
  if (stamp.physical_ms() >= upper_bound_ms_) {
    return Status::FailedPrecondition(
        "hlc: stamp " + stamp.to_string() + " would reach the persisted upper bound of " +
        std::to_string(upper_bound_ms_) + " ms; persist a higher bound first");
  }
  last_ = candidate;
  return stamp;
}

Result<HlcTimestamp> PersistedHybridLogicalClock::now(UnixTime pt) {
  return commit(hlc::next(last_, hlc::to_ms(pt)));
}

Result<HlcTimestamp> PersistedHybridLogicalClock::update(HlcTimestamp remote, UnixTime pt) {
  const std::uint64_t pt_ms = hlc::to_ms(pt);
  if (Status s = hlc::check_remote(remote, pt_ms, max_offset_); !s.ok()) return s;
  return commit(hlc::next(std::max(last_, remote.packed()), pt_ms));
}

}  // namespace kairos::logical
