// SPDX-License-Identifier: GPL-2.0-only
#include "sim/scenario/distribution.h"

#include "model/mm/content.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace ksmsim::scenario {

double Decimal::value() const {
  double scale = 1;
  for (unsigned i = 0; i < decimals; ++i)
    scale *= 10;
  return static_cast<double>(numerator) / scale;
}

std::optional<Decimal> parse_decimal(const std::string &text) {
  Decimal d;
  std::size_t i = 0, digits = 0;
  bool point = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !point && digits > 0) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9')
      return std::nullopt;
    if (++digits > 18)
      return std::nullopt;
    d.numerator = d.numerator * 10 + static_cast<unsigned>(c - '0');
    if (point)
      ++d.decimals;
  }
  if (digits == 0 || (point && d.decimals == 0))
    return std::nullopt;
  return d;
}

std::vector<std::uint64_t> zipf_weights(std::uint64_t classes, double s) {
  std::vector<std::uint64_t> w(classes);
  for (std::uint64_t c = 0; c < classes; ++c)
    w[c] = static_cast<std::uint64_t>(
        std::llround(std::ldexp(std::pow(static_cast<double>(c + 1), -s), kZipfScaleBits)));
  return w;
}

std::vector<std::uint64_t> apportion(std::uint64_t m, const std::vector<std::uint64_t> &weights) {
  using u128 = unsigned __int128;
  u128 total = 0;
  for (std::uint64_t w : weights)
    total += w;
  std::vector<std::uint64_t> size(weights.size(), 0);
  std::vector<std::uint64_t> rem(weights.size(), 0);
  std::uint64_t given = 0;
  for (std::size_t c = 0; c < weights.size() && total > 0; ++c) {
    u128 q = u128(m) * weights[c];
    size[c] = static_cast<std::uint64_t>(q / total);
    rem[c] = static_cast<std::uint64_t>(q % total);
    given += size[c];
  }
  // The leftover is less than the number of classes.
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return rem[a] > rem[b]; });
  for (std::size_t i = 0; given < m && i < order.size(); ++i, ++given)
    ++size[order[i]];
  std::vector<std::uint64_t> ends(weights.size());
  std::uint64_t sum = 0;
  for (std::size_t c = 0; c < size.size(); ++c)
    ends[c] = sum += size[c];
  return ends;
}

std::uint64_t slot_stride(std::uint64_t n) {
  if (n <= 1)
    return 1;
  using u128 = unsigned __int128;
  std::uint64_t a = static_cast<std::uint64_t>((u128(n) * 0x9e3779b97f4a7c15ULL) >> 64);
  a = std::max<std::uint64_t>(a, 1);
  while (std::gcd(a, n) != 1)
    ++a;
  return a;
}

Distribution plan_distribution(const DistributionSpec &spec) {
  using u128 = unsigned __int128;
  Distribution d;
  d.seed = spec.seed;
  d.pages = spec.pages;
  d.classes = spec.classes;
  d.differ_at = spec.differ_at;
  u128 scale = 1;
  for (unsigned i = 0; i < spec.zero_share.decimals; ++i)
    scale *= 10;
  d.zero_pages = static_cast<std::uint64_t>(u128(spec.pages) * spec.zero_share.numerator / scale);
  std::uint64_t m = spec.pages - d.zero_pages;
  if (spec.zipf)
    d.ends = apportion(m, zipf_weights(spec.classes, spec.zipf->value()));
  else if (!spec.weights.empty())
    d.ends = apportion(m, spec.weights);
  d.stride = slot_stride(spec.pages);
  d.offset = spec.pages == 0 ? 0 : splitmix64(~spec.seed) % spec.pages;
  return d;
}

} // namespace ksmsim::scenario
