#include "kairos/logical/order.h"

namespace kairos::logical {

std::string_view OrderName(Order order) {
  switch (order) {
    case Order::kBefore: return "before";
    case Order::kAfter: return "after";
    case Order::kEqual: return "equal";
    case Order::kConcurrent: return "concurrent";
  }
  return "unknown";
}

}  // namespace kairos::logical
