#include "kairos/logical/dotted_version_vector.h"

#include "logical/text_reader.h"
#include "logical/varint.h"
#include "logical/version_vector_codec.h"

namespace kairos::logical {

bool DottedVersionVector::contains(const Dot& event) const {
  return event.counter <= past_.get(event.node) || (dot_ && *dot_ == event);
}

std::uint64_t DottedVersionVector::contiguous(NodeId node) const {
  const std::uint64_t c = past_.get(node);
  return (dot_ && dot_->node == node && dot_->counter == c + 1) ? c + 1 : c;
}

bool DottedVersionVector::leq(const VersionVector& context) const {
  if (dot_ && dot_->counter > context.get(dot_->node)) return false;
  return past_.leq(context);
}

bool DottedVersionVector::leq(const DottedVersionVector& other) const {
  if (dot_ && !other.contains(*dot_)) return false;
  for (const VersionVector::Entry& e : past_.entries()) {
    if (e.counter > other.contiguous(e.node)) return false;
  }
  return true;
}

VersionVector DottedVersionVector::flattened() const {
  VersionVector v = past_;
  if (dot_ && dot_->counter > v.get(dot_->node)) v.set(dot_->node, dot_->counter);
  return v;
}

Order compare(const DottedVersionVector& a, const DottedVersionVector& b) {
  return OrderFromLeq(a.leq(b), b.leq(a));
}

std::string DottedVersionVector::encode() const {
  std::string out;
  if (dot_) {
    out.push_back(1);
    internal::put_varint(out, dot_->node);
    internal::put_varint(out, dot_->counter);
  } else {
    out.push_back(0);
  }
  past_.encode_to(out);
  return out;
}

namespace {

Result<DottedVersionVector> checked(std::optional<Dot> dot, VersionVector past) {
  if (dot && dot->counter <= past.get(dot->node)) {
    return Status::InvalidArgument("dotted version vector: dot " + std::to_string(dot->node) +
                                   ":" + std::to_string(dot->counter) +
                                   " is already covered by the vector");
  }
  return DottedVersionVector(dot, std::move(past));
}

}  // namespace

Result<DottedVersionVector> DottedVersionVector::decode(std::span<const std::uint8_t> bytes) {
  internal::ByteReader r(bytes);
  std::uint8_t flag = 0;
  if (!r.byte(flag) || flag > 1) {
    return Status::InvalidArgument("dotted version vector: first byte must be 0 or 1");
  }
  std::optional<Dot> dot;
  if (flag == 1) {
    Dot d;
    if (!r.varint(d.node) || !r.varint(d.counter) || d.counter == 0) {
      return Status::InvalidArgument("dotted version vector: bad dot (counter must be > 0)");
    }
    dot = d;
  }
  Result<VersionVector> past = internal::read_version_vector(r);
  if (!past.ok()) return past.status().WithContext("dotted version vector");
  if (!r.done()) return Status::InvalidArgument("dotted version vector: trailing bytes");
  return checked(dot, std::move(*past));
}

std::string DottedVersionVector::to_string() const {
  std::string out;
  if (dot_) out = "[" + std::to_string(dot_->node) + ":" + std::to_string(dot_->counter) + "]";
  return out + past_.to_string();
}

Result<DottedVersionVector> DottedVersionVector::parse(std::string_view text) {
  internal::TextReader r(text);
  std::optional<Dot> dot;
  if (r.eat('[')) {
    Dot d;
    if (!r.number(UINT64_MAX, d.node) || !r.eat(':') || !r.number(UINT64_MAX, d.counter) ||
        d.counter == 0 || !r.eat(']')) {
      return Status::InvalidArgument("dotted version vector: expected \"[NODE:COUNTER]\" " +
                                     r.where());
    }
    dot = d;
  }
  Result<VersionVector> past = internal::read_version_vector_text(r);
  if (!past.ok()) return past.status().WithContext("dotted version vector");
  if (!r.done()) {
    return Status::InvalidArgument("dotted version vector: trailing bytes " + r.where());
  }
  return checked(dot, std::move(*past));
}

}  // namespace kairos::logical
