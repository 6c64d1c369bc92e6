// SwarmStamp::parse reads outside text, for every scheme: a stamp or an error, and an
// accepted stamp formats back to the same text; a clock that saw it issues a greater one.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kairos/logical/swarm_stamp.h"

using namespace kairos;
using namespace kairos::logical;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (SwarmScheme scheme :
       {SwarmScheme::kSecondPrecise, SwarmScheme::kMinutePrecise, SwarmScheme::kLamport}) {
    Result<SwarmStamp> s = SwarmStamp::parse(text, scheme);
    if (!s.ok()) {
      if (s.status().message().empty()) std::abort();
      continue;
    }
    if (s->to_string() != text) std::abort();
    // A clock that accepts anything within a century of its epoch: every stamp the
    // encoding can hold, so a seen stamp always orders the next issue after it.
    Result<SwarmClock> c =
        SwarmClock::create(scheme, "fuzz", "0", kSwarmEpoch2014, std::chrono::hours(24 * 365 * 100));
    if (!c.ok()) std::abort();
    if (!c->see(*s, kSwarmEpoch2014).ok()) std::abort();
    Result<std::string> next = c->issue(kSwarmEpoch2014);
    if (next.ok() && !(*next > std::string(text.substr(0, text.find('+'))))) std::abort();
  }
  return 0;
}
