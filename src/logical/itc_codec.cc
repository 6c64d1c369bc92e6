// ITC binary encoding (the paper's, as the reference Erlang itc:encode/1 writes it) and
// text notation. Decoding is two steps: a permissive reader builds the trees with bounded
// depth and counter size, then the result is checked for normal form and re-encoded: only
// input that is exactly the canonical encoding of a normal stamp is accepted.
#include <algorithm>

#include "kairos/logical/itc.h"
#include "logical/itc_trees.h"
#include "logical/text_reader.h"

namespace kairos::logical {

using internal::EventTree;
using internal::IdTree;
using Node = ItcStamp::EventNode;

namespace {

constexpr std::uint64_t kMaxCounter = (std::uint64_t{1} << 62) - 1;

class BitWriter {
 public:
  void put(std::uint64_t value, int bits) {
    for (int b = bits - 1; b >= 0; --b) {
      cur_ = static_cast<std::uint8_t>((cur_ << 1) | ((value >> b) & 1));
      if (++used_ == 8) {
        out_.push_back(static_cast<char>(cur_));
        cur_ = 0;
        used_ = 0;
      }
    }
  }
  std::string finish() {
    if (used_ > 0) out_.push_back(static_cast<char>(cur_ << (8 - used_)));
    return std::move(out_);
  }

 private:
  std::string out_;
  std::uint8_t cur_ = 0;
  int used_ = 0;
};

class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  // False when the input runs out.
  bool get(int bits, std::uint64_t& out) {
    if (bits > 64 || bytes_.size() * 8 - pos_ < static_cast<std::size_t>(bits)) return false;
    std::uint64_t v = 0;
    for (int i = 0; i < bits; ++i, ++pos_) {
      v = (v << 1) | ((bytes_[pos_ / 8] >> (7 - pos_ % 8)) & 1);
    }
    out = v;
    return true;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

// ---- encode ----------------------------------------------------------------------------

void encode_id(const IdTree& id, std::size_t i, BitWriter& w) {
  const ItcId::Node k = id[i];
  if (k < 2) {
    w.put(k, 3);  // 00 then the bit
    return;
  }
  const std::size_t l = i + 1, r = i + k;
  if (id[l] == 0) {
    w.put(1, 2);
    encode_id(id, r, w);
  } else if (id[r] == 0) {
    w.put(2, 2);
    encode_id(id, l, w);
  } else {
    w.put(3, 2);
    encode_id(id, l, w);
    encode_id(id, r, w);
  }
}

// A leaf: 1, then n in the paper's variable-width form (unary count of extra bits).
void encode_number(std::uint64_t n, BitWriter& w) {
  w.put(1, 1);
  int b = 2;
  while (b < 64 && n >= (std::uint64_t{1} << b)) {
    w.put(1, 1);
    n -= std::uint64_t{1} << b;
    ++b;
  }
  w.put(0, 1);
  w.put(n, b);
}

bool is_zero_leaf(const Node& n) { return n.right == 0 && n.n == 0; }

void encode_event(const EventTree& e, std::size_t i, BitWriter& w) {
  if (e[i].right == 0) {
    encode_number(e[i].n, w);
    return;
  }
  const std::size_t l = i + 1, r = i + e[i].right;
  const bool lz = is_zero_leaf(e[l]), rz = is_zero_leaf(e[r]);
  w.put(0, 1);
  if (e[i].n == 0) {
    w.put(lz ? 0 : rz ? 1 : 2, 2);
  } else {
    w.put(3, 2);
    if (lz || rz) {
      w.put(lz ? 0 : 1, 2);  // 0 then which side is the zero leaf
    } else {
      w.put(1, 1);
    }
    encode_number(e[i].n, w);
  }
  if (!lz) encode_event(e, l, w);
  if (!rz) encode_event(e, r, w);
}

// ---- permissive decode -----------------------------------------------------------------

struct Decoder {
  BitReader bits;
  std::string error;

  bool fail(std::string m) {
    if (error.empty()) error = std::move(m);
    return false;
  }

  bool id(IdTree& out, int depth) {
    if (depth > ItcStamp::kMaxDepth) return fail("id tree deeper than 1024");
    std::uint64_t code = 0;
    if (!bits.get(2, code)) return fail("truncated id");
    if (code == 0) {
      std::uint64_t leaf = 0;
      if (!bits.get(1, leaf)) return fail("truncated id");
      out.push_back(static_cast<ItcId::Node>(leaf));
      return true;
    }
    const std::size_t p = out.size();
    out.push_back(0);
    if (code == 1) {
      out.push_back(0);
      out[p] = 2;
      return id(out, depth + 1);
    }
    if (!id(out, depth + 1)) return false;
    out[p] = static_cast<ItcId::Node>(out.size() - p);
    if (code == 2) {
      out.push_back(0);
      return true;
    }
    return id(out, depth + 1);
  }

  bool number(std::uint64_t& n) {
    std::uint64_t bit = 1, base = 0;
    int b = 2;
    while (true) {
      if (!bits.get(1, bit)) return fail("truncated counter");
      if (bit == 0) break;
      base += std::uint64_t{1} << b;
      if (++b > 61) return fail("counter larger than 2^62");
    }
    std::uint64_t v = 0;
    if (!bits.get(b, v)) return fail("truncated counter");
    n = base + v;
    if (n > kMaxCounter) return fail("counter larger than 2^62");
    return true;
  }

  bool event(EventTree& out, int depth) {
    if (depth > ItcStamp::kMaxDepth) return fail("event tree deeper than 1024");
    std::uint64_t bit = 0;
    if (!bits.get(1, bit)) return fail("truncated event tree");
    if (bit == 1) {
      std::uint64_t n = 0;
      if (!number(n)) return false;
      out.push_back(Node{n, 0});
      return true;
    }
    std::uint64_t code = 0;
    if (!bits.get(2, code)) return fail("truncated event tree");
    std::uint64_t n = 0;
    bool left_zero = code == 0, right_zero = code == 1;
    if (code == 3) {
      std::uint64_t sub = 0;
      if (!bits.get(1, sub)) return fail("truncated event tree");
      left_zero = right_zero = false;
      if (sub == 0) {
        if (!bits.get(1, sub)) return fail("truncated event tree");
        (sub == 0 ? left_zero : right_zero) = true;
      }
      std::uint64_t flag = 0;
      if (!bits.get(1, flag)) return fail("truncated event tree");
      if (flag != 1) return fail("an inner node's counter must be a leaf encoding");
      if (!number(n)) return false;
    }
    const std::size_t p = out.size();
    out.push_back(Node{n, 0});
    if (left_zero) {
      out.push_back(Node{0, 0});
    } else if (!event(out, depth + 1)) {
      return false;
    }
    out[p].right = static_cast<std::uint32_t>(out.size() - p);
    if (right_zero) {
      out.push_back(Node{0, 0});
      return true;
    }
    return event(out, depth + 1);
  }
};

// ---- normal form -----------------------------------------------------------------------

Status check_id(const IdTree& id) {
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (id[i] < 2) continue;
    const ItcId::Node l = id[i + 1], r = id[i + id[i]];
    if (l < 2 && l == r) {
      return Status::InvalidArgument(std::string("itc: id not in normal form: (") +
                                     (l ? "1, 1" : "0, 0") + ") must be written " +
                                     (l ? "1" : "0"));
    }
  }
  return Status::Ok();
}

std::uint64_t saturating_height(const EventTree& e, std::size_t i) {
  if (e[i].right == 0) return e[i].n;
  const std::uint64_t h = std::max(saturating_height(e, i + 1), saturating_height(e, i + e[i].right));
  return h > UINT64_MAX - e[i].n ? UINT64_MAX : h + e[i].n;
}

Status check_event(const EventTree& e) {
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (e[i].right == 0) continue;
    const Node& l = e[i + 1];
    const Node& r = e[i + e[i].right];
    if (l.right == 0 && r.right == 0 && l.n == r.n) {
      return Status::InvalidArgument("itc: event tree not in normal form: (n, " +
                                     std::to_string(l.n) + ", " + std::to_string(l.n) +
                                     ") must be a leaf");
    }
    if (std::min(l.n, r.n) != 0) {
      return Status::InvalidArgument(
          "itc: event tree not in normal form: a node's children must have a minimum of 0");
    }
  }
  if (saturating_height(e, 0) > kMaxCounter) {
    return Status::InvalidArgument("itc: event tree height exceeds 2^62");
  }
  return Status::Ok();
}

// ---- text ------------------------------------------------------------------------------

void id_text(const IdTree& id, std::size_t i, std::string& out) {
  if (id[i] < 2) {
    out += static_cast<char>('0' + id[i]);
    return;
  }
  out += '(';
  id_text(id, i + 1, out);
  out += ", ";
  id_text(id, i + id[i], out);
  out += ')';
}

void event_text(const EventTree& e, std::size_t i, std::string& out) {
  if (e[i].right == 0) {
    out += std::to_string(e[i].n);
    return;
  }
  out += '(';
  out += std::to_string(e[i].n);
  out += ", ";
  event_text(e, i + 1, out);
  out += ", ";
  event_text(e, i + e[i].right, out);
  out += ')';
}

struct TextParser {
  internal::TextReader r;
  std::string error;

  bool fail(const std::string& what) {
    if (error.empty()) error = "itc: expected " + what + " " + r.where();
    return false;
  }
  bool punct(char c) {
    r.skip_spaces();
    if (!r.eat(c)) return fail(std::string("'") + c + "'");
    r.skip_spaces();
    return true;
  }

  bool id_tree(IdTree& out, int depth) {
    if (depth > ItcStamp::kMaxDepth) return fail("an id tree no deeper than 1024");
    r.skip_spaces();
    const char c = r.peek();
    if (c == '0' || c == '1') {
      r.eat(c);
      out.push_back(static_cast<ItcId::Node>(c - '0'));
      return true;
    }
    if (!r.eat('(')) return fail("an id (0, 1 or \"(ID, ID)\")");
    const std::size_t p = out.size();
    out.push_back(0);
    if (!id_tree(out, depth + 1) || !punct(',')) return false;
    out[p] = static_cast<ItcId::Node>(out.size() - p);
    return id_tree(out, depth + 1) && punct(')');
  }

  bool event_tree(EventTree& out, int depth) {
    if (depth > ItcStamp::kMaxDepth) return fail("an event tree no deeper than 1024");
    r.skip_spaces();
    std::uint64_t n = 0;
    if (r.number(kMaxCounter, n)) {
      out.push_back(Node{n, 0});
      return true;
    }
    if (!r.eat('(')) return fail("an event (a counter below 2^62 or \"(N, EVENT, EVENT)\")");
    r.skip_spaces();
    if (!r.number(kMaxCounter, n)) return fail("a counter below 2^62");
    const std::size_t p = out.size();
    out.push_back(Node{n, 0});
    if (!punct(',') || !event_tree(out, depth + 1) || !punct(',')) return false;
    out[p].right = static_cast<std::uint32_t>(out.size() - p);
    return event_tree(out, depth + 1) && punct(')');
  }
};

}  // namespace

struct ItcCodec {
  static ItcStamp make(IdTree id, EventTree e) {
    return ItcStamp(ItcId(std::move(id)), std::move(e));
  }
  static const IdTree& id(const ItcStamp& s) { return s.id_.nodes_; }
  static const EventTree& event(const ItcStamp& s) { return s.event_; }
  static ItcId make_id(IdTree id) { return ItcId(std::move(id)); }
};

std::string ItcStamp::encode() const {
  BitWriter w;
  encode_id(id_.nodes_, 0, w);
  encode_event(event_, 0, w);
  return w.finish();
}

Result<ItcStamp> ItcStamp::decode(std::span<const std::uint8_t> bytes) {
  Decoder d{BitReader(bytes), {}};
  IdTree id;
  EventTree e;
  if (!d.id(id, 0) || !d.event(e, 0)) return Status::InvalidArgument("itc: " + d.error);
  if (Status s = check_id(id); !s.ok()) return s;
  if (Status s = check_event(e); !s.ok()) return s;
  ItcStamp stamp = ItcCodec::make(std::move(id), std::move(e));
  const std::string canonical = stamp.encode();
  if (canonical.size() != bytes.size() ||
      !std::equal(canonical.begin(), canonical.end(), bytes.begin(),
                  [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; })) {
    return Status::InvalidArgument(
        "itc: not the canonical encoding (trailing bytes, non-zero padding or a redundant "
        "node form)");
  }
  return stamp;
}

std::string ItcId::to_string() const {
  std::string out;
  id_text(nodes_, 0, out);
  return out;
}

Result<ItcId> ItcId::parse(std::string_view text) {
  TextParser p{internal::TextReader(text), {}};
  IdTree id;
  if (!p.id_tree(id, 0)) return Status::InvalidArgument(p.error);
  p.r.skip_spaces();
  if (!p.r.done()) return Status::InvalidArgument("itc: trailing text " + p.r.where());
  if (Status s = check_id(id); !s.ok()) return s;
  return ItcCodec::make_id(std::move(id));
}

std::string ItcStamp::event_to_string() const {
  std::string out;
  event_text(event_, 0, out);
  return out;
}

std::string ItcStamp::to_string() const {
  std::string out = "(";
  id_text(id_.nodes_, 0, out);
  out += ", ";
  event_text(event_, 0, out);
  out += ')';
  return out;
}

Result<ItcStamp> ItcStamp::parse(std::string_view text) {
  TextParser p{internal::TextReader(text), {}};
  IdTree id;
  EventTree e;
  p.r.skip_spaces();
  if (!p.r.eat('(')) return Status::InvalidArgument("itc: a stamp is \"(ID, EVENT)\"");
  if (!p.id_tree(id, 0) || !p.punct(',') || !p.event_tree(e, 0) || !p.punct(')')) {
    return Status::InvalidArgument(p.error);
  }
  if (!p.r.done()) return Status::InvalidArgument("itc: trailing text " + p.r.where());
  if (Status s = check_id(id); !s.ok()) return s;
  if (Status s = check_event(e); !s.ok()) return s;
  return ItcCodec::make(std::move(id), std::move(e));
}

}  // namespace kairos::logical
