#include "tso/sequence_combiner.h"

#include <algorithm>
#include <utility>

namespace kairos::tso {

SequenceCombiner::SequenceCombiner(std::uint64_t max_batch, Send send)
    : max_batch_(std::max<std::uint64_t>(max_batch, 1)), send_(std::move(send)) {}

Result<SequenceRange> SequenceCombiner::next(std::string_view name, std::uint64_t count,
                                             MonoTime deadline) {
  auto me = std::make_shared<Call>();
  me->count = count;
  me->deadline = deadline;
  const std::string key(name);
  std::unique_lock lock(mu_);
  names_[key].queued.push_back(me);
  while (!me->done) {
    Name& n = names_[key];
    if (n.in_flight) {
      me->cv.wait(lock);
      continue;
    }
    // No request in flight for this name: this caller sends the next one, for itself if
    // it is still queued and for the calls queued before and after it.
    send_batch(key, take_batch(n), lock);
  }
  Name& n = names_[key];
  if (n.queued.empty() && !n.in_flight) names_.erase(key);
  return me->result;
}

std::size_t SequenceCombiner::waiting(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = names_.find(std::string(name));
  return it == names_.end() ? 0 : it->second.queued.size();
}

std::vector<SequenceCombiner::CallRef> SequenceCombiner::take_batch(Name& n) {
  std::vector<CallRef> batch;
  std::uint64_t total = 0;
  for (const CallRef& c : n.queued) {
    // A call that would take the batch past the limit waits for the next request. One
    // with a count the server must judge (0, or over the limit) goes alone, so that it
    // gets the server's error instead of an empty or partial share of a valid request.
    const bool solo = c->count == 0 || c->count > max_batch_;
    if (!batch.empty() && (solo || c->count > max_batch_ - total)) break;
    batch.push_back(c);
    total += c->count;
    if (solo || total >= max_batch_) break;
  }
  n.queued.erase(n.queued.begin(), n.queued.begin() + static_cast<std::ptrdiff_t>(batch.size()));
  return batch;
}

void SequenceCombiner::send_batch(const std::string& name, const std::vector<CallRef>& batch,
                                  std::unique_lock<std::mutex>& lock) {
  std::uint64_t total = 0;
  MonoTime deadline = batch.front()->deadline;
  for (const CallRef& c : batch) {
    total += c->count;
    deadline = std::min(deadline, c->deadline);  // no call waits past its own deadline
  }
  names_[name].in_flight = true;
  lock.unlock();
  Result<SequenceRange> r = send_(name, total, deadline);
  lock.lock();
  names_[name].in_flight = false;
  if (r.ok() && r->count != total) {
    r = Status::Internal("asked for " + std::to_string(total) + " sequence numbers of " + name +
                         ", got " + std::to_string(r->count));
  }
  std::uint64_t first = r.ok() ? r->first : 0;
  for (const CallRef& c : batch) {
    if (r.ok()) {
      c->result = SequenceRange{first, c->count};
      first += c->count;
    } else {
      c->result = r.status();
    }
    c->done = true;
  }
  // The call now first in line sends the next request (each wake-up is one thread's).
  const Name& n = names_[name];
  const CallRef next = n.queued.empty() ? nullptr : n.queued.front();
  lock.unlock();
  for (const CallRef& c : batch) c->cv.notify_one();
  if (next) next->cv.notify_one();
  lock.lock();
}

}  // namespace kairos::tso
