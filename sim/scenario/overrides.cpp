// SPDX-License-Identifier: GPL-2.0-only
//
// The scenario's params: (placeholder values) and the --set KEY=VALUE
// overrides of its values (extensions; docs/scenario-format.md).

#include "sim/scenario/parser.h"

#include <algorithm>

namespace ksmsim::scenario::detail {

// `params: {procs: 4, pages: 64}`: names for the placeholders' values. A
// file with params reads placeholders in its values.
void Parser::parse_params(const YAML::Node *node) {
  Bindings &b = rep_.bindings();
  if (node != nullptr) {
    MapView m(rep_, *node, "params");
    for (const Field &f : m.fields()) {
      if (!is_identifier(f.key) || f.key.find('.') != std::string::npos) {
        rep_.fail(f.key_node, "params: a name is a letter or '_' and then letters, digits, '_'");
      }
      b.params[f.key] = read_uint(rep_, f.value, "params." + f.key);
    }
  }
  for (const auto &[name, value] : b.params) {
    if (std::optional<SetValue> v = override_of("params." + name)) {
      b.params[name] = read_uint(v->rep, v->node, "params." + name);
    }
  }
  b.active = node != nullptr;
}

// The reporter of a --set: "--set KEY=VALUE:1:COLUMN: message", the column
// the key's or the value's in that text.
static Reporter set_reporter(const Override &o, bool at_value) {
  constexpr int kPrefix = 6; // "--set "
  return Reporter("--set " + o.key + "=" + o.value,
                  kPrefix + (at_value ? static_cast<int>(o.key.size()) + 1 : 0));
}

void Parser::check_override_keys() const {
  for (const Override &o : overrides_) {
    const std::string &key = o.key;
    bool known = false;
    if (key.rfind("ksm.", 0) == 0) {
      known = contains(kKnobs, std::string_view(key).substr(4));
    } else if (key.rfind("machine.", 0) == 0) {
      known = contains(kMachineKeys, std::string_view(key).substr(8));
    } else if (key.rfind("params.", 0) == 0) {
      const auto &params = rep_.bindings().params;
      if (params.count(key.substr(7)) == 0) {
        std::string have;
        for (const auto &[name, value] : params) {
          have += (have.empty() ? "" : ", ") + name;
        }
        set_reporter(o, false).fail(
            YAML::Node(), "unknown key " + quote(key) + ": " + rep_.file() +
                              (have.empty() ? " has no params:" : " has the params " + have));
      }
      known = true;
    } else {
      known = key == "seed";
    }
    if (!known) {
      set_reporter(o, false).fail(YAML::Node(),
                                  "unknown key " + quote(key) +
                                      " (expected seed, machine.nodes, machine.pages_per_node, "
                                      "machine.swap_pages, params.NAME or ksm.KNOB, KNOB one of: " +
                                      join(kKnobs) + ")");
    }
  }
}

// The last --set of a key, as a scalar node with its reporter.
std::optional<SetValue> Parser::override_of(std::string_view key) const {
  for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
    if (it->key == key) {
      return SetValue{set_reporter(*it, true), YAML::Node(it->value)};
    }
  }
  return std::nullopt;
}

// --set ksm.KNOB=VALUE: the file's initial value replaced, or one added.
void Parser::apply_ksm_overrides(Scenario &s) const {
  for (const Override &o : overrides_) {
    if (o.key.rfind("ksm.", 0) != 0) {
      continue;
    }
    std::string knob = o.key.substr(4);
    Reporter r = set_reporter(o, true);
    if (o.value.empty()) {
      r.fail(YAML::Node(), knob + ": expected a value (a number or word)");
    }
    Location loc = r.loc(YAML::Node());
    auto it =
        std::find_if(s.ksm.begin(), s.ksm.end(), [&](const auto &kv) { return kv.first == knob; });
    if (it != s.ksm.end()) {
      it->second = o.value;
      s.ksm_locs[static_cast<std::size_t>(it - s.ksm.begin())] = loc;
    } else {
      s.ksm.emplace_back(knob, o.value);
      s.ksm_locs.push_back(loc);
    }
  }
}

} // namespace ksmsim::scenario::detail
