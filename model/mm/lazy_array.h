// SPDX-License-Identifier: GPL-2.0-only
//
// A fixed-size array of value-initialised T whose memory is taken in
// chunks on first write: the swap device's per-slot bookkeeping (swap_map,
// the swap cache, the slots' contents) costs nothing for slots never used,
// so a large `swap_pages` allocates nothing up front.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace ksmsim {

template <class T> class LazyArray {
public:
  static constexpr unsigned CHUNK_BITS = 16;
  static constexpr std::uint64_t CHUNK = std::uint64_t(1) << CHUNK_BITS;

  // n elements, all T{}; nothing allocated but one pointer per chunk.
  void assign(std::uint64_t n) {
    n_ = n;
    chunks_.clear();
    chunks_.resize((n + CHUNK - 1) >> CHUNK_BITS);
  }
  std::uint64_t size() const { return n_; }

  // For writing (and reading what may be written): takes the chunk.
  T &operator[](std::uint64_t i) {
    std::unique_ptr<T[]> &c = chunks_[i >> CHUNK_BITS];
    if (!c)
      c = std::make_unique<T[]>(CHUNK);
    return c[i & (CHUNK - 1)];
  }
  // For reading: T{} where nothing was ever written.
  T get(std::uint64_t i) const {
    const std::unique_ptr<T[]> &c = chunks_[i >> CHUNK_BITS];
    return c ? c[i & (CHUNK - 1)] : T{};
  }
  // f(i, element) for every element of the chunks taken, in index order
  // (the others are all T{}).
  template <class F> void for_each_taken(F &&f) const {
    for (std::uint64_t c = 0; c < chunks_.size(); c++)
      if (chunks_[c])
        for (std::uint64_t j = 0; j < CHUNK && (c << CHUNK_BITS) + j < n_; j++)
          f((c << CHUNK_BITS) + j, chunks_[c][j]);
  }

private:
  std::uint64_t n_ = 0;
  std::vector<std::unique_ptr<T[]>> chunks_;
};

} // namespace ksmsim
