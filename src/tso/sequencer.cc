#include "tso/sequencer.h"

#include <algorithm>
#include <limits>

namespace kairos::tso {

Status validate(const SequencerOptions& o) {
  if (o.block < 1) return Status::InvalidArgument("sequence block must be at least 1");
  if (o.max_count < 1) return Status::InvalidArgument("max numbers per request must be >= 1");
  if (o.max_names < 1) return Status::InvalidArgument("max sequence names must be >= 1");
  return Status::Ok();
}

Status validate_sequence_name(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("sequence name is empty");
  if (name.size() > 64) {
    return Status::InvalidArgument("sequence name is " + std::to_string(name.size()) +
                                   " characters, the limit is 64");
  }
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) {
    return Status::InvalidArgument("sequence name must start with a letter or digit");
  }
  for (char c : name) {
    if (!alnum(c) && c != '_' && c != '.' && c != '-') {
      return Status::InvalidArgument(
          "sequence name may only contain letters, digits, '_', '.' and '-'");
    }
  }
  return Status::Ok();
}

Sequencer::Sequencer(Store& store, SequencerOptions options) : options_(options), store_(store) {}

Result<std::uint64_t> Sequencer::next(std::string_view name, std::uint64_t count) {
  if (Status s = validate_sequence_name(name); !s.ok()) return s;
  if (count == 0) return Status::InvalidArgument("count must be at least 1");
  if (count > options_.max_count) {
    return Status::OutOfRange("count " + std::to_string(count) + " is over the limit of " +
                              std::to_string(options_.max_count) + " numbers per request");
  }
  const std::string key = std::string(kSequenceKeyPrefix) + std::string(name);
  std::lock_guard lock(mu_);
  if (!serving_) return stopped_;
  auto it = seqs_.find(name);
  if (it == seqs_.end()) {
    if (seqs_.size() >= options_.max_names) {
      return Status::OutOfRange("too many sequences (limit " + std::to_string(options_.max_names) +
                                ")");
    }
    Result<std::uint64_t> stored = store_.load(key);
    if (!stored.ok())
      return stored.status().WithContext("loading sequence '" + std::string(name) + "'");
    // Everything served before has value < *stored; numbers start at 1.
    it = seqs_.emplace(std::string(name), State{std::max<std::uint64_t>(*stored, 1), {*stored}})
             .first;
  }
  State& st = it->second;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  if (count > kMax - st.next) {
    return Status::OutOfRange("sequence '" + std::string(name) + "' is exhausted");
  }
  const std::uint64_t end = st.next + count;  // exclusive
  if (end > st.bound.value) {
    const std::uint64_t target = end > kMax - options_.block ? kMax : end + options_.block;
    Result<std::uint64_t> stored = advance_mark(store_, key, st.bound, target);
    if (stored.status().code() == StatusCode::kFailedPrecondition) {
      serving_ = false;
      stopped_ = Status::Unavailable("sequence bound was moved by another writer (" +
                                     stored.status().message() +
                                     "); the sequencer stopped serving");
      seqs_.clear();
      return stopped_;
    }
    if (!stored.ok())
      return stored.status().WithContext("extending sequence '" + std::string(name) + "'");
  }
  const std::uint64_t first = st.next;
  st.next = end;
  return first;
}

void Sequencer::recover() {
  std::lock_guard lock(mu_);
  seqs_.clear();
  serving_ = true;
  stopped_ = Status::Ok();
}

void Sequencer::stop_serving(Status why) {
  std::lock_guard lock(mu_);
  serving_ = false;
  stopped_ = std::move(why);
  seqs_.clear();
}

}  // namespace kairos::tso
