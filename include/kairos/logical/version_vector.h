// VersionVector: a sparse map node id -> event counter, the state of a vector clock
// (Fidge/Mattern) or of a version vector (Parker et al.). Node ids are 64-bit integers
// chosen by the application; a node missing from the map has counter 0.
//
// The same type serves both uses; they differ only in when you call what:
// - vector clock: every event increments the own entry; on receive, merge(remote) then
//   increment(self). Stamps of events compare as happened-before / concurrent.
// - version vector: a replica increments its entry on each update it originates and
//   merges on synchronisation. Replica states compare the same way.
//
// Invariants: entries sorted by node, strictly increasing, every counter > 0 (the map is
// canonical, so equal vectors have equal encodings).
// Pruning policy: entries are never removed implicitly. erase(node) exists for a node that
// was retired from the cluster and whose entry every live replica has merged; erasing an
// entry a replica still needs makes newer states look concurrent with (or older than)
// states that carry it, so the application decides when, as Riak's pruning does.
//
// Encodings (docs/logical-clocks.md): binary = varint count, then per entry varint node
// delta (first absolute, then strictly positive differences) and varint counter (> 0);
// text = "{NODE:COUNTER,NODE:COUNTER}" in decimal, sorted, e.g. "{1:3,7:1}", empty "{}".
//
// Thread safety: plain value type.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kairos/logical/order.h"
#include "kairos/status.h"

namespace kairos::logical {

using NodeId = std::uint64_t;

class VersionVector {
 public:
  struct Entry {
    NodeId node;
    std::uint64_t counter;
    friend bool operator==(const Entry&, const Entry&) = default;
  };
  // Decoders refuse vectors with more entries than this.
  static constexpr std::size_t kMaxEntries = 1u << 16;

  VersionVector() = default;

  std::uint64_t get(NodeId node) const;
  // Adds one to node's counter and returns the new value (saturates at 2^64 - 1).
  std::uint64_t increment(NodeId node);
  // Sets node's counter; 0 removes the entry.
  void set(NodeId node, std::uint64_t counter);
  // Pointwise maximum.
  void merge(const VersionVector& other);
  // Removes node's entry (see the pruning policy above).
  void erase(NodeId node) { set(node, 0); }

  // Every counter of *this <= the same counter of other.
  bool leq(const VersionVector& other) const;
  // other <= *this and they differ: *this strictly newer.
  bool dominates(const VersionVector& other) const { return other.leq(*this) && *this != other; }
  bool concurrent(const VersionVector& other) const { return !leq(other) && !other.leq(*this); }

  std::span<const Entry> entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  std::string encode() const;
  void encode_to(std::string& out) const;
  static Result<VersionVector> decode(std::span<const std::uint8_t> bytes);
  std::string to_string() const;
  static Result<VersionVector> parse(std::string_view text);

  friend bool operator==(const VersionVector&, const VersionVector&) = default;

 private:
  std::vector<Entry> entries_;
};

using VectorClock = VersionVector;

Order compare(const VersionVector& a, const VersionVector& b);

}  // namespace kairos::logical
