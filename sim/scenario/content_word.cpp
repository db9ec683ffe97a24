// SPDX-License-Identifier: GPL-2.0-only
#include "ksmsim/scenario.h"
#include "model/mm/content.h"

namespace ksmsim::scenario {

std::optional<std::uint64_t> base_word(const Content &c, std::size_t i) {
  switch (c.base) {
  case Content::Base::Fill:
    return fill_word(static_cast<std::uint8_t>(c.value));
  case Content::Base::Word:
    return c.value;
  case Content::Base::Random:
    return splitmix64(c.value + i);
  case Content::Base::Zero:
    return 0;
  case Content::Base::None:
    break;
  }
  return std::nullopt;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>>
page_runs(const std::vector<std::uint32_t> &indexes) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;
  for (std::uint32_t idx : indexes) {
    if (!runs.empty() && runs.back().first + runs.back().second == idx)
      runs.back().second++;
    else
      runs.emplace_back(idx, 1);
  }
  return runs;
}

} // namespace ksmsim::scenario
