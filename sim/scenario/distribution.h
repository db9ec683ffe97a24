// SPDX-License-Identifier: GPL-2.0-only
//
// Content distributions of a write (extension `distinct`, `zero_share`,
// `differ_at`): the plan the parser works out from a step's page count.
// docs/scenario-format.md (Extensions) defines every figure; the runner
// reads a page's bytes with page_write (include/ksmsim/scenario.h).
#pragma once

#include "ksmsim/scenario.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ksmsim::scenario {

// A decimal written in the file, exactly: numerator / 10^decimals.
struct Decimal {
  std::uint64_t numerator = 0;
  unsigned decimals = 0;
  double value() const;
};
// "0.3", "1", "1.25": digits, optionally '.' and up to 18 digits.
std::optional<Decimal> parse_decimal(const std::string &text);

// Zipf weights are integers: w_c = round(2^32 * (c + 1)^-s).
constexpr unsigned kZipfScaleBits = 32;
// At most this many classes with weights or zipf (each is stored).
constexpr std::uint64_t kMaxWeightedClasses = 1ULL << 20;
// Equal weights need no storage: classes are bounded by 32-bit page counts.
constexpr std::uint64_t kMaxClasses = 1ULL << 32;

struct DistributionSpec {
  std::uint64_t seed = 0;
  std::uint64_t pages = 0;            // n
  Decimal zero_share;                 // 0 <= share <= 1
  std::uint64_t classes = 1;          // N
  std::vector<std::uint64_t> weights; // N integers, or empty
  std::optional<Decimal> zipf;        // s, or none
  unsigned differ_at = 0;             // 0 or 4088..4095
};

// The integer weights zipf s gives N classes.
std::vector<std::uint64_t> zipf_weights(std::uint64_t classes, double s);
// Largest-remainder apportionment of m pages to integer weights (sum > 0):
// floor(m * w_c / W) each, then one more to the classes with the largest
// remainders (m * w_c mod W), ties to the lower class. Returns E_c.
std::vector<std::uint64_t> apportion(std::uint64_t m, const std::vector<std::uint64_t> &weights);
// slot(k) = (stride * k + offset) mod n: stride is the first a >=
// max(1, floor(n * 0x9e3779b97f4a7c15 / 2^64)) with gcd(a, n) = 1.
std::uint64_t slot_stride(std::uint64_t n);

Distribution plan_distribution(const DistributionSpec &spec);

} // namespace ksmsim::scenario
