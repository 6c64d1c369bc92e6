#include "tso/async_sequence_queue.h"

#include <algorithm>
#include <utility>

namespace kairos::tso {

AsyncSequenceQueue::AsyncSequenceQueue(std::uint64_t max_batch, Duration timeout,
                                       SequenceCombiner::Send send)
    : max_batch_(std::max<std::uint64_t>(max_batch, 1)),
      timeout_(timeout),
      send_(std::move(send)),
      worker_([this] { run(); }) {}

AsyncSequenceQueue::~AsyncSequenceQueue() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

void AsyncSequenceQueue::submit(std::string name, std::uint64_t count, MonoTime deadline,
                                SequenceCallback done) {
  std::unique_lock lock(mu_);
  if (stop_) {
    lock.unlock();
    done(Status::Unavailable("client is shutting down"));
    return;
  }
  queue_.push_back({std::move(name), count, deadline, std::move(done)});
  lock.unlock();
  wake_.notify_one();  // no system call when the worker is busy (not waiting)
}

void AsyncSequenceQueue::expire_due(MonoTime now) {
  std::vector<SequenceCallback> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->deadline <= now) {
        due.push_back(std::move(it->done));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (SequenceCallback& done : due) done(deadline_error());
}

Status AsyncSequenceQueue::deadline_error() const {
  return Status::DeadlineExceeded("no sequence numbers within " + format_duration(timeout_) +
                                  " (still queued behind a request in flight)");
}

void AsyncSequenceQueue::run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) break;
    std::vector<Call> batch = take_batch();
    lock.unlock();
    send_batch(batch);
    lock.lock();
  }
  std::deque<Call> left = std::move(queue_);
  queue_.clear();
  lock.unlock();
  for (Call& c : left) c.done(Status::Unavailable("client is shutting down"));
}

std::vector<AsyncSequenceQueue::Call> AsyncSequenceQueue::take_batch() {
  const std::string name = queue_.front().name;
  std::vector<Call> batch;
  std::deque<Call> rest;
  std::uint64_t total = 0;
  bool full = false;  // later calls of the name wait for the next request, in order
  for (Call& c : queue_) {
    // A call that would take the batch past the limit waits. One with a count the server
    // must judge (0, or over the limit) goes alone, so that it gets the server's error.
    const bool solo = c.count == 0 || c.count > max_batch_;
    if (!full && c.name == name && (batch.empty() || (!solo && c.count <= max_batch_ - total))) {
      total += c.count;
      batch.push_back(std::move(c));
      full = solo || total >= max_batch_;
    } else {
      full = full || c.name == name;
      rest.push_back(std::move(c));
    }
  }
  queue_ = std::move(rest);
  return batch;
}

void AsyncSequenceQueue::send_batch(std::vector<Call>& batch) {
  std::uint64_t total = 0;
  MonoTime deadline = MonoTime::max();
  for (const Call& c : batch) {
    total += c.count;
    deadline = std::min(deadline, c.deadline);  // no call waits past its own deadline
  }
  const std::string& name = batch.front().name;
  Result<SequenceRange> r = send_(name, total, deadline);
  if (r.ok() && r->count != total) {
    r = Status::Internal("asked for " + std::to_string(total) + " sequence numbers of " + name +
                         ", got " + std::to_string(r->count));
  }
  std::uint64_t first = r.ok() ? r->first : 0;
  for (Call& c : batch) {
    if (r.ok()) {
      c.done(SequenceRange{first, c.count});
      first += c.count;
    } else {
      c.done(r.status());
    }
  }
}

}  // namespace kairos::tso
