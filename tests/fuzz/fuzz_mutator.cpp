// SPDX-License-Identifier: GPL-2.0-only
//
// The structure-aware mode of the fuzz target: an input that is a YAML map
// with `steps:` is changed as a scenario (steps moved, copied or dropped,
// an interleaving or an explore step added at a known preemption point,
// the kernel profile and the knobs changed, a number of a step changed)
// instead of as bytes; anything else goes to libFuzzer's own mutator.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "model/lib/points.h"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t *data, std::size_t size, std::size_t max_size);

namespace {

using Rng = std::minstd_rand;

std::size_t pick(Rng &rng, std::size_t n) {
  return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
}

std::string some_number(Rng &rng) {
  static const char *const edges[] = {
      "0",  "1",    "2",          "3",          "7",
      "8",  "64",   "255",        "256",        "4095",
      "-1", "1000", "4294967295", "4294967296", "18446744073709551615"};
  return pick(rng, 3) == 0 ? std::to_string(pick(rng, 100000)) : edges[pick(rng, std::size(edges))];
}

YAML::Node sequence_without(const YAML::Node &seq, std::size_t skip) {
  YAML::Node out(YAML::NodeType::Sequence);
  for (std::size_t i = 0; i < seq.size(); i++)
    if (i != skip)
      out.push_back(seq[i]);
  return out;
}

YAML::Node sequence_with(const YAML::Node &seq, std::size_t at, const YAML::Node &item) {
  YAML::Node out(YAML::NodeType::Sequence);
  for (std::size_t i = 0; i <= seq.size(); i++) {
    if (i == at)
      out.push_back(item);
    if (i < seq.size())
      out.push_back(seq[i]);
  }
  return out;
}

// A number somewhere in the step (its body map, or the step itself).
void tweak_number(YAML::Node step, Rng &rng) {
  std::vector<YAML::Node> maps{step};
  for (auto it = step.begin(); it != step.end(); ++it)
    if (it->second.IsMap())
      maps.push_back(it->second);
  YAML::Node m = maps[pick(rng, maps.size())];
  std::vector<std::string> keys;
  for (auto it = m.begin(); it != m.end(); ++it)
    if (it->second.IsScalar())
      keys.push_back(it->first.as<std::string>());
  if (keys.empty())
    return;
  const std::string &key = keys[pick(rng, keys.size())];
  if (pick(rng, 4) == 0 && (key == "pages" || key == "page"))
    m[key] =
        pick(rng, 2) ? "all" : std::to_string(pick(rng, 8)) + "-" + std::to_string(pick(rng, 64));
  else
    m[key] = some_number(rng);
}

YAML::Node interleave(const YAML::Node &steps, Rng &rng) {
  const auto &points = ksmsim::preemption_points();
  YAML::Node il(YAML::NodeType::Map);
  if (pick(rng, 4) == 0) {
    il["explore"] = true;
  } else {
    il["point"] = points[pick(rng, points.size())].name;
    il["after"] = 1 + pick(rng, 4);
  }
  YAML::Node nested(YAML::NodeType::Sequence);
  for (std::size_t n = 1 + pick(rng, 2); n > 0; n--)
    nested.push_back(YAML::Clone(steps[pick(rng, steps.size())]));
  il["steps"] = nested;
  YAML::Node list(YAML::NodeType::Sequence);
  list.push_back(il);
  return list;
}

void mutate(YAML::Node &root, Rng &rng) {
  YAML::Node steps = root["steps"];
  const std::size_t n = steps.size();
  static const char *const fixes[] = {"stale-stable-sweep", "unmerge-enter-at-tail",
                                      "unmerge-swapin-copy", "uptodate-copy"};
  switch (pick(rng, 8)) {
  case 0: { // swap two steps
    std::size_t a = pick(rng, n), b = pick(rng, n);
    YAML::Node x = YAML::Clone(steps[a]), y = YAML::Clone(steps[b]);
    steps[a] = y;
    steps[b] = x;
    break;
  }
  case 1: // copy a step elsewhere
    root["steps"] = sequence_with(steps, pick(rng, n + 1), YAML::Clone(steps[pick(rng, n)]));
    break;
  case 2: // drop a step
    root["steps"] = sequence_without(steps, pick(rng, n));
    break;
  case 3: { // an interleaving at a known point
    YAML::Node step = steps[pick(rng, n)];
    if (step.IsMap())
      step["interleave"] = interleave(steps, rng);
    break;
  }
  case 4: { // another kernel profile
    YAML::Node k(YAML::NodeType::Map);
    k["version"] = "v3.9";
    YAML::Node without(YAML::NodeType::Sequence);
    for (const char *fix : fixes)
      if (pick(rng, 3) == 0)
        without.push_back(fix);
    k["without"] = without;
    root["kernel"] = k;
    break;
  }
  case 5: { // the knobs, at the start or as a sysfs step
    static const char *const knobs[] = {"run", "pages_to_scan", "sleep_millisecs",
                                        "merge_across_nodes"};
    YAML::Node w(YAML::NodeType::Map);
    w[knobs[pick(rng, 4)]] = pick(rng, 2) ? std::to_string(pick(rng, 3)) : some_number(rng);
    if (pick(rng, 2)) {
      root["ksm"] = w;
    } else {
      YAML::Node step(YAML::NodeType::Map);
      step["sysfs"] = w;
      root["steps"] = sequence_with(steps, pick(rng, n + 1), step);
    }
    break;
  }
  default: { // a number of a step
    YAML::Node step = steps[pick(rng, n)];
    if (step.IsMap())
      tweak_number(step, rng);
    break;
  }
  }
}

} // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t *data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  Rng rng(seed);
  if (pick(rng, 8) != 0) {
    try {
      YAML::Node root = YAML::Load(std::string(reinterpret_cast<const char *>(data), size));
      if (root.IsMap() && root["steps"] && root["steps"].IsSequence() && root["steps"].size() > 0) {
        mutate(root, rng);
        YAML::Emitter out;
        out << root;
        if (out.good() && out.size() <= max_size) {
          std::memcpy(data, out.c_str(), out.size());
          return out.size();
        }
      }
    } catch (const YAML::Exception &) {
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}
