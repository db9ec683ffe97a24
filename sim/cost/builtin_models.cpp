// SPDX-License-Identifier: GPL-2.0-only
//
// The built-in cost models: the files of cost/ compiled in (a test checks
// that each text here is its file's bytes).
#include "sim/cost/cost_model.h"

namespace ksmsim {

namespace {

struct Builtin {
  const char *name;
  const char *text;
};

// cost/linux-6.18-amd-epyc.yaml
constexpr const char kLinux618AmdEpyc[] =
#include "cost/linux-6.18-amd-epyc.inc"
    ;

constexpr Builtin kBuiltins[] = {{"linux-6.18-amd-epyc", kLinux618AmdEpyc}};

} // namespace

std::vector<std::string> builtin_cost_models() {
  std::vector<std::string> names;
  for (const Builtin &b : kBuiltins)
    names.push_back(b.name);
  return names;
}

const char *builtin_cost_text(const std::string &name) {
  for (const Builtin &b : kBuiltins)
    if (name == b.name)
      return b.text;
  return nullptr;
}

} // namespace ksmsim
