// ITC operations on preorder-flattened trees: each operation writes its result into one
// new vector (one allocation), normalising each inner node as soon as both of its
// children are written.
#include <algorithm>

#include "kairos/logical/itc.h"
#include "logical/itc_trees.h"

namespace kairos::logical {

using internal::EventTree;
using internal::IdTree;

namespace {

using Node = ItcStamp::EventNode;
using IdNode = ItcId::Node;

// ---- ids -------------------------------------------------------------------------------

void split_id(const IdTree& id, std::size_t i, IdTree& l, IdTree& r) {
  const IdNode k = id[i];
  if (k == 0) {
    l.push_back(0);
    r.push_back(0);
    return;
  }
  if (k == 1) {
    l.insert(l.end(), {2, 1, 0});
    r.insert(r.end(), {2, 0, 1});
    return;
  }
  const std::size_t il = i + 1, ir = i + k;
  if (id[il] == 0) {  // (0, I) -> ((0, I1), (0, I2))
    l.insert(l.end(), {2, 0});
    r.insert(r.end(), {2, 0});
    split_id(id, ir, l, r);
  } else if (id[ir] == 0) {  // (I, 0) -> ((I1, 0), (I2, 0))
    const std::size_t pl = l.size(), pr = r.size();
    l.push_back(0);
    r.push_back(0);
    split_id(id, il, l, r);
    l[pl] = static_cast<IdNode>(l.size() - pl);
    r[pr] = static_cast<IdNode>(r.size() - pr);
    l.push_back(0);
    r.push_back(0);
  } else {  // (I1, I2) -> ((I1, 0), (0, I2))
    const std::size_t pl = l.size();
    l.push_back(0);
    internal::copy_id(id, il, l);
    l[pl] = static_cast<IdNode>(l.size() - pl);
    l.push_back(0);
    r.insert(r.end(), {2, 0});
    internal::copy_id(id, ir, r);
  }
}

bool sum_id(const IdTree& a, std::size_t ia, const IdTree& b, std::size_t ib, IdTree& out) {
  if (a[ia] == 0) {
    internal::copy_id(b, ib, out);
    return true;
  }
  if (b[ib] == 0) {
    internal::copy_id(a, ia, out);
    return true;
  }
  if (a[ia] == 1 || b[ib] == 1) return false;  // 1 + anything non-zero overlaps
  const std::size_t p = out.size();
  out.push_back(0);
  if (!sum_id(a, ia + 1, b, ib + 1, out)) return false;
  const std::size_t q = out.size();
  out[p] = static_cast<IdNode>(q - p);
  if (!sum_id(a, ia + a[ia], b, ib + b[ib], out)) return false;
  if (q == p + 2 && out.size() == q + 1 && out[p + 1] == out[q]) {  // (0,0) -> 0, (1,1) -> 1
    const IdNode leaf = out[q];
    out.resize(p);
    out.push_back(leaf);
  }
  return true;
}

// ---- events ----------------------------------------------------------------------------

// A view of an event subtree with its absolute base: tree == nullptr is a leaf whose
// absolute value is `base` (the implicit zero children of a leaf seen as a node).
struct View {
  const Node* tree;
  std::size_t i;
  std::uint64_t base;

  std::uint64_t value() const { return tree ? base + tree[i].n : base; }
  bool leaf() const { return !tree || tree[i].right == 0; }
  View left() const { return leaf() ? View{nullptr, 0, value()} : View{tree, i + 1, value()}; }
  View right() const {
    return leaf() ? View{nullptr, 0, value()} : View{tree, i + tree[i].right, value()};
  }
};

void normalize(EventTree& out, std::size_t p, std::size_t q) {
  Node& l = out[p + 1];
  Node& r = out[q];
  if (l.right == 0 && r.right == 0 && l.n == r.n) {
    const std::uint64_t n = out[p].n + l.n;
    out.resize(p);
    out.push_back(Node{n, 0});
    return;
  }
  const std::uint64_t m = std::min(l.n, r.n);
  out[p].n += m;
  l.n -= m;
  r.n -= m;
}

// Writes join(a, b) relative to `sub`.
void join_event(View a, View b, std::uint64_t sub, EventTree& out) {
  const std::uint64_t va = a.value(), vb = b.value();
  if (a.leaf() && b.leaf()) {
    out.push_back(Node{std::max(va, vb) - sub, 0});
    return;
  }
  const std::uint64_t n = std::min(va, vb);
  const std::size_t p = out.size();
  out.push_back(Node{n - sub, 0});
  join_event(a.left(), b.left(), n, out);
  const std::size_t q = out.size();
  out[p].right = static_cast<std::uint32_t>(q - p);
  join_event(a.right(), b.right(), n, out);
  normalize(out, p, q);
}

bool leq_event(View a, View b) {
  if (a.value() > b.value()) return false;
  if (a.leaf()) return true;
  return leq_event(a.left(), b.left()) && leq_event(a.right(), b.right());
}

std::uint64_t height(const EventTree& e, std::size_t i) {
  if (e[i].right == 0) return e[i].n;
  return e[i].n + std::max(height(e, i + 1), height(e, i + e[i].right));
}

void fill(const IdTree& id, std::size_t ii, const EventTree& e, std::size_t ie, EventTree& out) {
  const IdNode k = id[ii];
  if (k == 0 || e[ie].right == 0) {
    internal::copy_event(e.data(), ie, out);
    return;
  }
  if (k == 1) {
    out.push_back(Node{height(e, ie), 0});
    return;
  }
  const std::size_t il = ii + 1, ir = ii + k;
  const std::size_t el = ie + 1, er = ie + e[ie].right;
  const std::size_t p = out.size();
  out.push_back(Node{e[ie].n, 0});
  if (id[il] == 1) {
    out.push_back(Node{0, 0});
    const std::size_t q = out.size();
    out[p].right = static_cast<std::uint32_t>(q - p);
    fill(id, ir, e, er, out);
    out[p + 1].n = std::max(height(e, el), out[q].n);
    normalize(out, p, q);
  } else if (id[ir] == 1) {
    fill(id, il, e, el, out);
    const std::size_t q = out.size();
    out[p].right = static_cast<std::uint32_t>(q - p);
    out.push_back(Node{std::max(height(e, er), out[p + 1].n), 0});
    normalize(out, p, q);
  } else {
    fill(id, il, e, el, out);
    const std::size_t q = out.size();
    out[p].right = static_cast<std::uint32_t>(q - p);
    fill(id, ir, e, er, out);
    normalize(out, p, q);
  }
}

// An event subtree for grow: tree == nullptr is a leaf 0 (a child of an expanded leaf).
struct GrowView {
  const Node* tree;
  std::size_t i;
  std::uint64_t n() const { return tree ? tree[i].n : 0; }
  bool leaf() const { return !tree || tree[i].right == 0; }
  GrowView left() const { return leaf() ? GrowView{nullptr, 0} : GrowView{tree, i + 1}; }
  GrowView right() const {
    return leaf() ? GrowView{nullptr, 0} : GrowView{tree, i + tree[i].right};
  }
};

constexpr std::uint64_t kExpandCost = 1000;

// The paper's cost of growing `e` inside id `ii`: expanding a leaf into a node costs
// kExpandCost, each level one; grow picks the cheaper side (the right one on a tie).
std::uint64_t cost(const IdTree& id, std::size_t ii, GrowView e) {
  const IdNode k = id[ii];
  if (k == 1) return 0;
  const std::uint64_t expand = e.leaf() ? kExpandCost : 0;
  const std::size_t il = ii + 1, ir = ii + k;
  if (id[il] == 0) return expand + cost(id, ir, e.right()) + 1;
  if (id[ir] == 0) return expand + cost(id, il, e.left()) + 1;
  return expand + std::min(cost(id, il, e.left()), cost(id, ir, e.right())) + 1;
}

void copy_view(GrowView e, EventTree& out) {
  if (!e.tree) {
    out.push_back(Node{0, 0});
  } else {
    internal::copy_event(e.tree, e.i, out);
  }
}

void grow(const IdTree& id, std::size_t ii, GrowView e, EventTree& out) {
  const IdNode k = id[ii];
  if (k == 1) {  // e is a leaf (see cost)
    out.push_back(Node{e.n() + 1, 0});
    return;
  }
  const std::size_t il = ii + 1, ir = ii + k;
  const std::size_t p = out.size();
  out.push_back(Node{e.n(), 0});
  bool grow_left;
  if (id[il] == 0) {
    grow_left = false;
  } else if (id[ir] == 0) {
    grow_left = true;
  } else {
    grow_left = cost(id, il, e.left()) < cost(id, ir, e.right());
  }
  if (grow_left) {
    grow(id, il, e.left(), out);
  } else {
    copy_view(e.left(), out);
  }
  out[p].right = static_cast<std::uint32_t>(out.size() - p);
  if (grow_left) {
    copy_view(e.right(), out);
  } else {
    grow(id, ir, e.right(), out);
  }
}

}  // namespace

namespace internal {

std::size_t id_end(const IdTree& id, std::size_t i) {
  while (id[i] >= 2) i += id[i];
  return i + 1;
}

void copy_id(const IdTree& id, std::size_t i, IdTree& out) {
  out.insert(out.end(), id.begin() + static_cast<std::ptrdiff_t>(i),
             id.begin() + static_cast<std::ptrdiff_t>(id_end(id, i)));
}

void copy_event(const Node* t, std::size_t i, EventTree& out) {
  std::size_t end = i;
  while (t[end].right != 0) end += t[end].right;
  out.insert(out.end(), t + i, t + end + 1);
}

}  // namespace internal

std::pair<ItcId, ItcId> ItcId::split() const {
  IdTree l, r;
  l.reserve(nodes_.size() + 3);
  r.reserve(nodes_.size() + 3);
  split_id(nodes_, 0, l, r);
  return {ItcId(std::move(l)), ItcId(std::move(r))};
}

Result<ItcId> ItcId::sum(const ItcId& a, const ItcId& b) {
  IdTree out;
  out.reserve(a.nodes_.size() + b.nodes_.size());
  if (!sum_id(a.nodes_, 0, b.nodes_, 0, out)) {
    return Status::InvalidArgument("itc: cannot join overlapping ids " + a.to_string() +
                                   " and " + b.to_string());
  }
  return ItcId(std::move(out));
}

ItcStamp ItcStamp::seed() { return ItcStamp(ItcId::one(), {Node{0, 0}}); }

std::pair<ItcStamp, ItcStamp> ItcStamp::fork() const {
  auto [l, r] = id_.split();
  return {ItcStamp(std::move(l), event_), ItcStamp(std::move(r), event_)};
}

ItcStamp ItcStamp::peek() const { return ItcStamp(ItcId::zero(), event_); }

Result<ItcStamp> ItcStamp::join(const ItcStamp& a, const ItcStamp& b) {
  Result<ItcId> id = ItcId::sum(a.id_, b.id_);
  if (!id.ok()) return id.status();
  EventTree e;
  e.reserve(a.event_.size() + b.event_.size());
  join_event(View{a.event_.data(), 0, 0}, View{b.event_.data(), 0, 0}, 0, e);
  return ItcStamp(std::move(*id), std::move(e));
}

Status ItcStamp::event() {
  if (id_.is_zero()) {
    return Status::FailedPrecondition("itc: an anonymous stamp (id 0) cannot record events");
  }
  EventTree filled;
  filled.reserve(event_.size() + 2);
  fill(id_.nodes_, 0, event_, 0, filled);
  if (filled != event_) {
    event_ = std::move(filled);
    return Status::Ok();
  }
  filled.clear();
  grow(id_.nodes_, 0, GrowView{event_.data(), 0}, filled);
  event_ = std::move(filled);
  return Status::Ok();
}

bool ItcStamp::leq(const ItcStamp& other) const {
  return leq_event(View{event_.data(), 0, 0}, View{other.event_.data(), 0, 0});
}

Status ItcStamp::absorb(const ItcStamp& retired_last) {
  Result<ItcStamp> joined = join(*this, retired_last);
  if (!joined.ok()) return joined.status().WithContext("itc: absorb retired replica");
  *this = std::move(*joined);
  return Status::Ok();
}

Order compare(const ItcStamp& a, const ItcStamp& b) { return OrderFromLeq(a.leq(b), b.leq(a)); }

}  // namespace kairos::logical
