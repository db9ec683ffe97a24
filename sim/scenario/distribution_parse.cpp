// SPDX-License-Identifier: GPL-2.0-only
//
// A write's content distribution (extension: distinct, zero_share,
// differ_at, seed) read from its step; the plan is sim/scenario/distribution.cpp.

#include "sim/scenario/parser.h"

#include <memory>

namespace ksmsim::scenario::detail {

constexpr unsigned kFirstDifferAt = 4088; // at most 8 bytes differ

// A decimal like 0.3 (exactly 3/10).
Decimal Parser::read_decimal(const YAML::Node &node, std::string_view what) {
  std::optional<Decimal> d = parse_decimal(rep_.text(node));
  if (!node.IsScalar() || !d) {
    rep_.fail(node, std::string(what) + ": expected a decimal number like 0.3");
  }
  return *d;
}

// `distinct: N` or `distinct: {count: N, weights: [..] | zipf: S}`.
void Parser::parse_distinct(DistributionSpec &spec, const YAML::Node &node) {
  if (node.IsScalar()) {
    spec.classes = read_uint(rep_, node, "distinct", 1, kMaxClasses);
    return;
  }
  MapView m(rep_, node, "distinct", kDistinctKeys);
  const Field *count = m.find("count");
  const Field *weights = m.find("weights");
  const Field *zipf = m.find("zipf");
  if (weights != nullptr && zipf != nullptr) {
    rep_.fail(zipf->key_node, "distinct: weights and zipf cannot both be given");
  }
  std::uint64_t max = weights != nullptr || zipf != nullptr ? kMaxWeightedClasses : kMaxClasses;
  if (count != nullptr) {
    spec.classes = read_uint(rep_, count->value, "count", 1, max);
  } else if (weights == nullptr) {
    m.need("count");
  }
  if (weights != nullptr) {
    const YAML::Node &list = need_sequence(rep_, weights->value, "weights");
    if (list.size() > kMaxWeightedClasses) {
      rep_.fail(list, "weights: at most " + std::to_string(kMaxWeightedClasses));
    }
    std::uint64_t sum = 0;
    for (const YAML::Node &w : list) {
      spec.weights.push_back(read_uint(rep_, w, "weight", 0, 1ULL << 32));
      sum += spec.weights.back();
    }
    if (count == nullptr) {
      spec.classes = spec.weights.size();
    } else if (spec.weights.size() != spec.classes) {
      rep_.fail(list, "weights: " + std::to_string(spec.weights.size()) + " weights for count " +
                          std::to_string(spec.classes) + " (one weight a content)");
    }
    if (sum == 0) {
      rep_.fail(list, "weights: expected at least one weight above 0");
    }
  }
  if (zipf != nullptr) {
    spec.zipf = read_decimal(zipf->value, "zipf");
    if (spec.zipf->value() > 16) {
      rep_.fail(zipf->value, "zipf: expected an exponent in 0..16");
    }
  }
  if (weights != nullptr || zipf != nullptr) {
    classes_.charge(rep_, node, spec.classes);
  }
}

std::shared_ptr<const Distribution>
Parser::parse_distribution(const MapView &m, const Field &distinct, const PageSet &pages) {
  DistributionSpec spec;
  spec.pages = pages.size();
  spec.seed = seed_;
  parse_distinct(spec, distinct.value);
  if (const Field *seed = m.find("seed")) {
    spec.seed = read_uint(rep_, seed->value, "seed");
  }
  if (const Field *share = m.find("zero_share")) {
    spec.zero_share = read_decimal(share->value, "zero_share");
    if (spec.zero_share.value() > 1) {
      rep_.fail(share->value, "zero_share: expected a share in 0..1, like 0.3");
    }
  }
  if (const Field *differ = m.find("differ_at")) {
    spec.differ_at =
        static_cast<unsigned>(read_uint(rep_, differ->value, "differ_at", kFirstDifferAt, 4095));
    unsigned bytes = 4096 - spec.differ_at;
    if (bytes < 8 && spec.classes > (1ULL << (8 * bytes))) {
      rep_.fail(differ->value, "differ_at: " + std::to_string(spec.differ_at) + " leaves " +
                                   std::to_string(bytes) + " byte(s) to differ: at most " +
                                   std::to_string(1ULL << (8 * bytes)) +
                                   " distinct contents, not " + std::to_string(spec.classes));
    }
  }
  return std::make_shared<const Distribution>(plan_distribution(spec));
}

} // namespace ksmsim::scenario::detail
