#include "kairos/logical/version_vector.h"

#include <algorithm>

#include "logical/text_reader.h"
#include "logical/varint.h"
#include "logical/version_vector_codec.h"

namespace kairos::logical {
namespace {

auto find(std::vector<VersionVector::Entry>& v, NodeId node) {
  return std::lower_bound(v.begin(), v.end(), node,
                          [](const VersionVector::Entry& e, NodeId n) { return e.node < n; });
}

}  // namespace

std::uint64_t VersionVector::get(NodeId node) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), node,
                             [](const Entry& e, NodeId n) { return e.node < n; });
  return (it != entries_.end() && it->node == node) ? it->counter : 0;
}

std::uint64_t VersionVector::increment(NodeId node) {
  auto it = find(entries_, node);
  if (it != entries_.end() && it->node == node) {
    if (it->counter != UINT64_MAX) ++it->counter;
    return it->counter;
  }
  entries_.insert(it, Entry{node, 1});
  return 1;
}

void VersionVector::set(NodeId node, std::uint64_t counter) {
  auto it = find(entries_, node);
  const bool present = it != entries_.end() && it->node == node;
  if (counter == 0) {
    if (present) entries_.erase(it);
  } else if (present) {
    it->counter = counter;
  } else {
    entries_.insert(it, Entry{node, counter});
  }
}

void VersionVector::merge(const VersionVector& other) {
  const std::size_t n = entries_.size();
  if (n == other.entries_.size()) {
    // Fast path: the same node set (the common case once a cluster has exchanged state).
    bool same = true;
    for (std::size_t i = 0; i < n; ++i) same &= entries_[i].node == other.entries_[i].node;
    if (same) {
      for (std::size_t i = 0; i < n; ++i) {
        entries_[i].counter = std::max(entries_[i].counter, other.entries_[i].counter);
      }
      return;
    }
  }
  std::vector<Entry> out;
  out.reserve(n + other.entries_.size());
  auto a = entries_.begin();
  auto b = other.entries_.begin();
  while (a != entries_.end() || b != other.entries_.end()) {
    if (b == other.entries_.end() || (a != entries_.end() && a->node < b->node)) {
      out.push_back(*a++);
    } else if (a == entries_.end() || b->node < a->node) {
      out.push_back(*b++);
    } else {
      out.push_back(Entry{a->node, std::max(a->counter, b->counter)});
      ++a;
      ++b;
    }
  }
  entries_ = std::move(out);
}

bool VersionVector::leq(const VersionVector& other) const {
  auto b = other.entries_.begin();
  for (const Entry& a : entries_) {
    while (b != other.entries_.end() && b->node < a.node) ++b;
    if (b == other.entries_.end() || b->node != a.node || b->counter < a.counter) return false;
  }
  return true;
}

Order compare(const VersionVector& a, const VersionVector& b) {
  return OrderFromLeq(a.leq(b), b.leq(a));
}

void VersionVector::encode_to(std::string& out) const {
  internal::put_varint(out, entries_.size());
  NodeId prev = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    internal::put_varint(out, i == 0 ? entries_[i].node : entries_[i].node - prev);
    internal::put_varint(out, entries_[i].counter);
    prev = entries_[i].node;
  }
}

std::string VersionVector::encode() const {
  std::string out;
  encode_to(out);
  return out;
}

namespace internal {

Result<VersionVector> read_version_vector(ByteReader& r) {
  std::uint64_t count = 0;
  if (!r.varint(count)) return Status::InvalidArgument("version vector: bad or missing count");
  // Each entry takes at least two bytes: refuse counts the input cannot hold before
  // allocating anything.
  if (count > VersionVector::kMaxEntries || count > r.remaining() / 2) {
    return Status::InvalidArgument("version vector: count " + std::to_string(count) +
                                   " exceeds the input or the limit of 65536 entries");
  }
  VersionVector v;
  NodeId node = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t delta = 0, counter = 0;
    if (!r.varint(delta) || !r.varint(counter)) {
      return Status::InvalidArgument("version vector: entry " + std::to_string(i) +
                                     " is truncated or not a minimal varint");
    }
    if (i > 0 && (delta == 0 || node > UINT64_MAX - delta)) {
      return Status::InvalidArgument("version vector: node ids must strictly increase (entry " +
                                     std::to_string(i) + ")");
    }
    if (counter == 0) {
      return Status::InvalidArgument("version vector: zero counter in entry " +
                                     std::to_string(i));
    }
    node = i == 0 ? delta : node + delta;
    v.set(node, counter);
  }
  return v;
}

}  // namespace internal

Result<VersionVector> VersionVector::decode(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  Result<VersionVector> v = internal::read_version_vector(r);
  if (v.ok() && !r.done()) {
    return Status::InvalidArgument("version vector: " + std::to_string(r.remaining()) +
                                   " trailing bytes");
  }
  return v;
}

std::string VersionVector::to_string() const {
  std::string out = "{";
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(entries_[i].node);
    out += ':';
    out += std::to_string(entries_[i].counter);
  }
  out += '}';
  return out;
}

namespace internal {

Result<VersionVector> read_version_vector_text(TextReader& r) {
  if (!r.eat('{')) return Status::InvalidArgument("version vector: expected '{' " + r.where());
  VersionVector v;
  if (r.eat('}')) return v;
  NodeId prev = 0;
  for (std::size_t i = 0;; ++i) {
    std::uint64_t node = 0, counter = 0;
    if (!r.number(UINT64_MAX, node)) {
      return Status::InvalidArgument("version vector: expected a node id " + r.where());
    }
    if (i > 0 && node <= prev) {
      return Status::InvalidArgument("version vector: node ids must strictly increase " +
                                     r.where());
    }
    if (!r.eat(':')) return Status::InvalidArgument("version vector: expected ':' " + r.where());
    if (!r.number(UINT64_MAX, counter) || counter == 0) {
      return Status::InvalidArgument("version vector: expected a counter > 0 " + r.where());
    }
    if (i >= VersionVector::kMaxEntries) return Status::InvalidArgument("version vector: too many entries");
    v.set(node, counter);
    prev = node;
    if (r.eat('}')) return v;
    if (!r.eat(',')) {
      return Status::InvalidArgument("version vector: expected ',' or '}' " + r.where());
    }
  }
}

}  // namespace internal

Result<VersionVector> VersionVector::parse(std::string_view text) {
  internal::TextReader r(text);
  Result<VersionVector> v = internal::read_version_vector_text(r);
  if (v.ok() && !r.done()) {
    return Status::InvalidArgument("version vector: trailing bytes " + r.where());
  }
  return v;
}

}  // namespace kairos::logical
