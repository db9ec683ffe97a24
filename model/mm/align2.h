// SPDX-License-Identifier: GPL-2.0-only
//
// Not the kernel's: a 4-byte field of a 2-byte aligned (packed) struct, so
// that struct page can be 22 bytes (model/mm/mm_types.h). A T read and
// written by value: no reference or pointer to a misaligned T is ever
// made (a `const int &` bound to a packed int field, as fmt's and Catch's
// arguments are, would be one, and UBSan reports it).
#pragma once

#include <fmt/format.h>

namespace ksmsim {

#pragma pack(push, 2)
template <class T> struct align2 {
  T v;
  align2() = default;
  constexpr align2(T x) : v(x) {}
  constexpr operator T() const { return v; }
  align2 &operator=(T x) {
    v = x;
    return *this;
  }
  align2 &operator+=(T x) {
    v += x;
    return *this;
  }
  align2 &operator-=(T x) {
    v -= x;
    return *this;
  }
  align2 &operator|=(T x) {
    v |= x;
    return *this;
  }
  align2 &operator&=(T x) {
    v &= x;
    return *this;
  }
  align2 &operator++() {
    ++v;
    return *this;
  }
  align2 &operator--() {
    --v;
    return *this;
  }
  T operator++(int) { return v++; }
  T operator--(int) { return v--; }
};
#pragma pack(pop)
static_assert(sizeof(align2<int>) == 4 && alignof(align2<int>) == 2, "4 bytes, 2-byte aligned");

} // namespace ksmsim

// It formats as its value.
template <class T> struct fmt::formatter<ksmsim::align2<T>> : fmt::formatter<T> {
  auto format(ksmsim::align2<T> x, format_context &ctx) const {
    return fmt::formatter<T>::format(static_cast<T>(x), ctx);
  }
};
