#include "tso/advance_mark.h"

#include <algorithm>
#include <string>

namespace kairos::tso {

Result<std::uint64_t> advance_mark(Store& store, std::string_view key, KnownMark& known,
                                   std::uint64_t target) {
  std::uint64_t expected = known.value;
  if (known.unknown) {
    Result<std::uint64_t> stored = store.load(key);
    if (!stored.ok()) return stored.status();
    if (*stored < known.value) {
      return Status::FailedPrecondition("mark '" + std::string(key) + "' reads " +
                                        std::to_string(*stored) + ", below the " +
                                        std::to_string(known.value) + " this writer stored");
    }
    expected = *stored;
  }
  const std::uint64_t value = std::max(target, expected);
  Status s = store.compare_and_set(key, expected, value);
  if (s.code() == StatusCode::kFailedPrecondition) return s;
  if (!s.ok()) {
    known.unknown = true;
    return s;
  }
  known = {value, false};
  return value;
}

}  // namespace kairos::tso
