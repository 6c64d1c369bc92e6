// Interval tree clocks (Almeida, Baquero, Fonte, "Interval Tree Clocks: A Logical Clock for
// Dynamic Systems", OPODIS 2008).
//
// A stamp is (id, event). The id is the part of the interval [0, 1) this replica owns
// (a tree of 0/1 leaves); the event tree maps every part of [0, 1) to a counter. Replicas
// are created and retired without a global directory: seed() makes the first stamp,
// fork() splits a stamp's id in two, join() merges two stamps (summing their ids),
// event() records a local event by inflating the event tree inside the own id, peek()
// makes an anonymous copy (id 0) to ship causal history in a message. a.leq(b) is the
// causal order: a's history is contained in b's.
//
// Invariants: id and event trees are always in the paper's normal form (no (0, 0) or
// (1, 1) id node; no event node whose children are equal leaves; every event node has a
// child with base 0). Counters are unsigned 64-bit, and decoders accept event trees whose
// height is below 2^62. Decoders and parsers refuse trees nested deeper than kMaxDepth.
//
// Encodings (docs/itc-encoding.md): the paper's compact binary encoding, bit-for-bit the
// bytes of the reference Erlang encoder (itc:encode/1, most significant bit first, the
// final byte padded with zero bits), and the paper's text notation, e.g.
// "((1, 0), (0, (1, 1, 0), 0))": a stamp is "(ID, EVENT)", an id is 0, 1 or "(ID, ID)",
// an event is N or "(N, EVENT, EVENT)". Decoders reject non-normal trees, non-canonical
// bytes and overlapping joins with an error instead of crashing (the reference
// implementations crash on sum(1, (0, 1))).
//
// Retiring a dead replica (beyond the paper): absorb(last) takes the last stamp known from
// a replica declared dead (stamps carry their id, or the replica that forked it recorded
// it): its id is added to this stamp's id and its events are joined, so its part of [0, 1)
// is reused instead of lost forever. Events the dead replica made after `last` and sent to
// others are the risk: this stamp's later events land in the same interval and may look
// causally after them although it never saw them (a false happened-before). If the replica
// was in fact alive, worse: two replicas own the same interval, their events bump the same
// counters so concurrent updates look ordered or equal (one can be silently dropped by a
// last-writer-wins or sibling check), and the next join of the two fails with
// "overlapping ids". Retire only replicas that are known dead and whose state was flushed.
//
// Thread safety: plain value types.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kairos/logical/order.h"
#include "kairos/status.h"

namespace kairos::logical {

class ItcId {
 public:
  // Preorder nodes: 0 = leaf 0, 1 = leaf 1, k >= 2 = inner node whose right child is k
  // entries further on (its left child is the next entry).
  using Node = std::uint32_t;

  static ItcId zero() { return ItcId(std::vector<Node>{0}); }
  static ItcId one() { return ItcId(std::vector<Node>{1}); }

  bool is_zero() const { return nodes_.size() == 1 && nodes_[0] == 0; }
  bool is_one() const { return nodes_.size() == 1 && nodes_[0] == 1; }

  // The two halves of this id (split in the paper).
  std::pair<ItcId, ItcId> split() const;
  // The union of two disjoint ids; InvalidArgument if they overlap.
  static Result<ItcId> sum(const ItcId& a, const ItcId& b);

  std::string to_string() const;
  static Result<ItcId> parse(std::string_view text);

  const std::vector<Node>& nodes() const { return nodes_; }
  friend bool operator==(const ItcId&, const ItcId&) = default;

 private:
  friend class ItcStamp;
  friend struct ItcCodec;
  explicit ItcId(std::vector<Node> nodes) : nodes_(std::move(nodes)) {}
  std::vector<Node> nodes_;
};

class ItcStamp {
 public:
  static constexpr int kMaxDepth = 1024;

  // Preorder event nodes: `right` == 0 for a leaf, else the right child is `right` entries
  // further on; `n` is the counter relative to the parent.
  struct EventNode {
    std::uint64_t n;
    std::uint32_t right;
    friend bool operator==(const EventNode&, const EventNode&) = default;
  };

  // The first stamp of a system: id 1, no events.
  static ItcStamp seed();

  const ItcId& id() const { return id_; }
  // Two stamps with the same events and the two halves of this id.
  std::pair<ItcStamp, ItcStamp> fork() const;
  // A stamp with this one's events and id 0 (to send causal history in a message).
  ItcStamp peek() const;
  // The union of two stamps; fails (InvalidArgument) if their ids overlap.
  static Result<ItcStamp> join(const ItcStamp& a, const ItcStamp& b);
  // Records one local event. FailedPrecondition for an anonymous stamp (id 0).
  Status event();
  // a.leq(b): every event a knows of, b knows of.
  bool leq(const ItcStamp& other) const;
  // Takes over a retired replica's id and events (see the header comment); InvalidArgument
  // (stamp unchanged) if the ids overlap.
  Status absorb(const ItcStamp& retired_last);

  std::string encode() const;
  static Result<ItcStamp> decode(std::span<const std::uint8_t> bytes);
  std::string to_string() const;
  static Result<ItcStamp> parse(std::string_view text);
  std::string event_to_string() const;

  const std::vector<EventNode>& event_nodes() const { return event_; }
  friend bool operator==(const ItcStamp&, const ItcStamp&) = default;

 private:
  ItcStamp(ItcId id, std::vector<EventNode> event) : id_(std::move(id)), event_(std::move(event)) {}
  friend struct ItcCodec;
  ItcId id_;
  std::vector<EventNode> event_;
};

Order compare(const ItcStamp& a, const ItcStamp& b);

}  // namespace kairos::logical
