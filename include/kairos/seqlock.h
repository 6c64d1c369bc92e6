// Seqlock<T>: one writer publishes a small trivially copyable value; any number of
// readers copy it without locks and without ever seeing a torn value.
//
// The value is stored as 64-bit atomic words (so readers and the writer never race in the
// C++ memory model, and ThreadSanitizer agrees); the sequence is odd while a write is in
// progress. Readers retry while a write overlaps their copy. The layout is standard and
// address-free, so a Seqlock may live in shared memory between processes.
//
// Thread safety: store() from ONE writer at a time (callers serialize writers); load()
// and try_load() from any thread or process, concurrently with store().
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace kairos {

template <typename T>
class Seqlock {
  static_assert(std::is_trivially_copyable_v<T>, "Seqlock holds trivially copyable values");
  static constexpr std::size_t kWords = (sizeof(T) + 7) / 8;

 public:
  Seqlock() { store(T{}); }
  explicit Seqlock(const T& initial) { store(initial); }

  void store(const T& value) {
    std::uint64_t words[kWords] = {};
    std::memcpy(words, &value, sizeof(T));
    const std::uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    for (std::size_t i = 0; i < kWords; ++i) data_[i].store(words[i], std::memory_order_relaxed);
    seq_.store(s + 2, std::memory_order_release);
  }

  // One attempt: false if a write overlapped (the caller may retry).
  bool try_load(T& out) const {
    const std::uint64_t s1 = seq_.load(std::memory_order_acquire);
    if (s1 & 1) return false;
    std::uint64_t words[kWords];
    for (std::size_t i = 0; i < kWords; ++i) words[i] = data_[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (seq_.load(std::memory_order_relaxed) != s1) return false;
    std::memcpy(&out, words, sizeof(T));
    return true;
  }

  // Spins until a consistent copy is read (writes are short, so this is brief).
  T load() const {
    T out;
    while (!try_load(out)) {
    }
    return out;
  }

  // Number of completed stores times two (even when idle): a cheap change detector.
  std::uint64_t sequence() const { return seq_.load(std::memory_order_acquire); }

 private:
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::uint64_t> data_[kWords];
};

}  // namespace kairos
