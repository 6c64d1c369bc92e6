// Order: the result of comparing two logical stamps.
//
// kBefore / kAfter / kEqual for stamps that are ordered; kConcurrent for stamps of a
// partial order (vector clocks, ITC) where neither happened before the other. Total orders
// (Lamport, HLC, Swarm, Sequence) never return kConcurrent.
//
// Thread safety: plain value.
#pragma once

#include <string_view>

namespace kairos::logical {

enum class Order : unsigned char { kBefore, kAfter, kEqual, kConcurrent };

// "before", "after", "equal", "concurrent".
std::string_view OrderName(Order order);

// From the two "less than or equal" answers of a partial order.
constexpr Order OrderFromLeq(bool a_leq_b, bool b_leq_a) {
  if (a_leq_b && b_leq_a) return Order::kEqual;
  if (a_leq_b) return Order::kBefore;
  if (b_leq_a) return Order::kAfter;
  return Order::kConcurrent;
}

// For totally ordered values.
template <typename T>
constexpr Order OrderOf(const T& a, const T& b) {
  if (a < b) return Order::kBefore;
  if (b < a) return Order::kAfter;
  return Order::kEqual;
}

}  // namespace kairos::logical
