// Internal helpers shared by the ITC operations and codec: the flattened tree types and
// subtree copies.
#pragma once

#include <vector>

#include "kairos/logical/itc.h"

namespace kairos::logical::internal {

using IdTree = std::vector<ItcId::Node>;
using EventTree = std::vector<ItcStamp::EventNode>;

// One past the last entry of the id subtree rooted at i.
std::size_t id_end(const IdTree& id, std::size_t i);
void copy_id(const IdTree& id, std::size_t i, IdTree& out);
void copy_event(const ItcStamp::EventNode* tree, std::size_t i, EventTree& out);

}  // namespace kairos::logical::internal
