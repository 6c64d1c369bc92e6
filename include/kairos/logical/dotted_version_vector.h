// Dotted version vectors (Preguiça, Baquero, Almeida, Fonte, Gonçalves 2010): a version
// vector `past` plus at most one `dot` (node, counter), the event that created a value.
// The dot may lie beyond a gap in past (past[node] < counter - 1), which is what lets a
// server tag concurrent client writes as distinct siblings without one vector entry per
// client.
//
// A DVV denotes the event set {(n, 1..past[n])} ∪ {dot}. a <= b when every event of a is
// an event of b. SiblingSet<T> keeps the values of one key: update() adds a client write
// made with a read context and discards the siblings that context has seen; sync()
// merges two replicas' sets, keeping only values no other value supersedes.
//
// Invariant: dot.counter > past.get(dot.node) (the dot is not already in past).
// Pruning policy: as for VersionVector, no entry is dropped implicitly (see
// version_vector.h); siblings disappear only when a context or a newer sibling covers them.
//
// Encodings: binary = one byte 0 (no dot) or 1 followed by varint node and varint counter,
// then the VersionVector binary form; text = "[NODE:COUNTER]{...}" or "{...}" without a dot.
//
// Thread safety: plain value types.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kairos/logical/order.h"
#include "kairos/logical/version_vector.h"
#include "kairos/status.h"

namespace kairos::logical {

struct Dot {
  NodeId node = 0;
  std::uint64_t counter = 0;
  friend bool operator==(const Dot&, const Dot&) = default;
};

class DottedVersionVector {
 public:
  DottedVersionVector() = default;
  // Precondition: dot.counter > past.get(dot.node) (checked by the decoders).
  DottedVersionVector(std::optional<Dot> dot, VersionVector past)
      : dot_(dot), past_(std::move(past)) {}

  const std::optional<Dot>& dot() const { return dot_; }
  const VersionVector& past() const { return past_; }

  // Whether event (node, counter) is in this DVV's event set.
  bool contains(const Dot& event) const;
  // The highest counter of `node` such that every event 1..counter is contained.
  std::uint64_t contiguous(NodeId node) const;
  bool leq(const DottedVersionVector& other) const;
  bool leq(const VersionVector& context) const;
  // past with the dot folded in (the dot's gap, if any, is filled: use for contexts only).
  VersionVector flattened() const;

  std::string encode() const;
  static Result<DottedVersionVector> decode(std::span<const std::uint8_t> bytes);
  std::string to_string() const;
  static Result<DottedVersionVector> parse(std::string_view text);

  friend bool operator==(const DottedVersionVector&, const DottedVersionVector&) = default;

 private:
  std::optional<Dot> dot_;
  VersionVector past_;
};

Order compare(const DottedVersionVector& a, const DottedVersionVector& b);

// The values of one key on one server replica, each tagged with its DVV.
template <typename T>
class SiblingSet {
 public:
  struct Sibling {
    DottedVersionVector clock;
    T value;
  };

  const std::vector<Sibling>& siblings() const { return siblings_; }

  // The context a client gets with a read: everything this replica has seen of the key.
  VersionVector context() const {
    VersionVector ctx;
    for (const Sibling& s : siblings_) ctx.merge(s.clock.flattened());
    return ctx;
  }

  // A client write made after reading `ctx`, handled by server `server`: a new dot
  // (server, max seen + 1) with past = ctx; siblings covered by ctx are discarded.
  const DottedVersionVector& update(const VersionVector& ctx, NodeId server, T value) {
    std::uint64_t top = ctx.get(server);
    for (const Sibling& s : siblings_) {
      top = std::max(top, s.clock.past().get(server));
      if (s.clock.dot() && s.clock.dot()->node == server) top = std::max(top, s.clock.dot()->counter);
    }
    std::erase_if(siblings_, [&](const Sibling& s) { return s.clock.leq(ctx); });
    siblings_.push_back(Sibling{DottedVersionVector(Dot{server, top + 1}, ctx), std::move(value)});
    return siblings_.back().clock;
  }

  // Merges another replica's siblings: keeps every value that no other value supersedes.
  void sync(const SiblingSet& other) {
    for (const Sibling& s : other.siblings_) {
      bool covered = false;
      for (const Sibling& mine : siblings_) covered |= s.clock.leq(mine.clock);
      if (covered) continue;
      std::erase_if(siblings_, [&](const Sibling& mine) { return mine.clock.leq(s.clock); });
      siblings_.push_back(s);
    }
  }

 private:
  std::vector<Sibling> siblings_;
};

}  // namespace kairos::logical
