// SPDX-License-Identifier: GPL-2.0-only
//
// Generators (extensions; docs/scenario-format.md): repeat: and
// spawn: {count, prefix}, expanded into ordinary steps with their bounds
// checked before anything is made.

#include "sim/scenario/parser.h"

#include <algorithm>
#include <cctype>

namespace ksmsim::scenario::detail {

// Nesting of repeats.
constexpr int kMaxRepeatDepth = 8;

static std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  return b != 0 && a > kU64Max / b ? kU64Max : a * b;
}
static std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return a > kU64Max - b ? kU64Max : a + b;
}

bool Parser::is_generator(const YAML::Node &item) const {
  if (!item.IsMap()) {
    return false;
  }
  if (item["repeat"]) {
    return true;
  }
  const YAML::Node spawn = item["spawn"];
  return spawn && spawn.IsMap();
}

void Parser::refuse_step_extras(const MapView &m, std::string_view generator) {
  for (const Field &f : m.fields()) {
    if (f.key != generator) {
      rep_.fail(f.key_node, std::string(generator) + ": a generator takes no " + quote(f.key) +
                                " beside it (give it to the steps it makes)");
    }
  }
}

void Parser::expand_generator(const YAML::Node &item, std::vector<Step> &out, int &index,
                              int depth) {
  generator_work_.charge(rep_, item, 1);
  MapView m(rep_, item, "generator");
  if (const Field *repeat = m.find("repeat")) {
    refuse_step_extras(m, "repeat");
    expand_repeat(item, *repeat, out, index, depth);
  } else {
    refuse_step_extras(m, "spawn");
    expand_spawn_count(item, m.need("spawn"), out, index);
  }
}

// `var: j` (default i): a name no enclosing repeat uses.
std::string Parser::repeat_var(const MapView &m) {
  std::string var = "i";
  const YAML::Node *at = nullptr;
  if (const Field *f = m.find("var")) {
    var = read_word(rep_, f->value, "var");
    at = &f->value;
  }
  bool ok = !var.empty() && (std::isalpha(static_cast<unsigned char>(var[0])) || var[0] == '_') &&
            std::all_of(var.begin(), var.end(), [](char c) {
              return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
            });
  if (!ok || var == "params") {
    rep_.fail(*at, "var: a name is a letter or '_' and then letters, digits, '_' (not params)");
  }
  for (const auto &[name, value] : rep_.bindings().vars) {
    if (name == var) {
      rep_.fail(at != nullptr ? *at : m.node(),
                "repeat: " + quote(var) +
                    " is already the index of an enclosing repeat (name this one with var:)");
    }
  }
  return var;
}

// The steps a list of steps expands to, each repeat's index taken at its
// largest: an upper bound unless a count shrinks as an index grows (a
// subtraction), which the step budget then stops while expanding.
std::uint64_t Parser::expanded_size(const YAML::Node &steps, int depth) {
  std::uint64_t total = 0;
  if (steps.IsSequence()) {
    for (const YAML::Node &item : steps) {
      total = saturating_add(total, item_size(item, depth));
    }
  }
  return total;
}

std::uint64_t Parser::item_size(const YAML::Node &item, int depth) {
  generator_work_.charge(rep_, item, 1);
  if (!item.IsMap() || depth > kMaxRepeatDepth + kMaxInterleaveDepth) {
    return 1;
  }
  if (const YAML::Node repeat = item["repeat"]; repeat && repeat.IsMap()) {
    MapView m(rep_, repeat, "repeat", kRepeatKeys);
    std::uint64_t count = read_uint(rep_, m.need("count").value, "count");
    Bindings &b = rep_.bindings();
    bool was_active = b.active;
    b.active = true;
    b.vars.emplace_back(repeat_var(m), count == 0 ? 0 : count - 1);
    std::uint64_t inner = count == 0 ? 0 : expanded_size(m.need("steps").value, depth + 1);
    b.vars.pop_back();
    b.active = was_active;
    return saturating_mul(count, inner);
  }
  if (const YAML::Node spawn = item["spawn"]; spawn && spawn.IsMap() && spawn["count"]) {
    return read_uint(rep_, spawn["count"], "count");
  }
  std::uint64_t size = 1;
  if (const YAML::Node il = item["interleave"]) {
    if (il.IsMap()) {
      size = saturating_add(size, expanded_size(il["steps"], depth + 1));
    } else if (il.IsSequence()) {
      for (const YAML::Node &one : il) {
        if (one.IsMap()) {
          size = saturating_add(size, expanded_size(one["steps"], depth + 1));
        }
      }
    }
  }
  return size;
}

// `repeat: {count: N, var: i, steps: [...]}`: the steps N times, with
// i = 0 .. N-1 in their placeholders.
void Parser::expand_repeat(const YAML::Node &item, const Field &f, std::vector<Step> &out,
                           int &index, int depth) {
  MapView m(rep_, f.value, "repeat", kRepeatKeys);
  if (rep_.bindings().vars.size() >= static_cast<std::size_t>(kMaxRepeatDepth)) {
    rep_.fail(f.key_node,
              "repeat nested too deeply (at most " + std::to_string(kMaxRepeatDepth) + " levels)");
  }
  const YAML::Node &count_node = m.need("count").value;
  std::uint64_t count = read_uint(rep_, count_node, "count");
  std::string var = repeat_var(m);
  const YAML::Node &steps = need_sequence(rep_, m.need("steps").value, "repeat steps");
  // Refused before anything is made: the steps it would make, at most.
  std::uint64_t size = 0;
  if (count != 0) {
    Bindings &b = rep_.bindings();
    bool was_active = b.active;
    b.active = true;
    b.vars.emplace_back(var, count - 1);
    size = expanded_size(steps, depth);
    b.vars.pop_back();
    b.active = was_active;
  }
  std::uint64_t total = saturating_mul(count, size);
  if (total > steps_.limit() - steps_.used()) {
    rep_.fail(count_node, "repeat: " + std::to_string(count) + " times " + std::to_string(size) +
                              " steps is more than the scenario may have (" +
                              std::to_string(steps_.limit()) + " steps in all, " +
                              std::to_string(steps_.used()) + " before this repeat)");
  }
  Bindings &b = rep_.bindings();
  bool was_active = b.active;
  std::string saved_context = rep_.context();
  b.active = true;
  for (std::uint64_t i = 0; i < count; ++i) {
    generator_work_.charge(rep_, f.key_node, 1);
    b.vars.emplace_back(var, i);
    repeat_context_.push_back(var + "=" + std::to_string(i) + " of the repeat at line " +
                              std::to_string(rep_.loc(f.key_node).line));
    std::string context;
    for (const std::string &c : repeat_context_) {
      context += (context.empty() ? " (" : ", ") + c;
    }
    rep_.set_context(context + ")");
    for (const YAML::Node &step : steps) {
      parse_step_item(step, out, index, depth);
    }
    repeat_context_.pop_back();
    b.vars.pop_back();
    rep_.set_context(saved_context);
  }
  b.active = was_active;
}

// `spawn: {count: N, prefix: P}`: N processes P0 .. P(N-1).
void Parser::expand_spawn_count(const YAML::Node &item, const Field &f, std::vector<Step> &out,
                                int &index) {
  MapView m(rep_, f.value, "spawn", kSpawnCountKeys);
  const YAML::Node &count_node = m.need("count").value;
  std::uint64_t count = read_uint(rep_, count_node, "count");
  const YAML::Node &prefix_node = m.need("prefix").value;
  std::string prefix = read_name(rep_, prefix_node, "prefix");
  if (count > steps_.limit() - steps_.used()) {
    rep_.fail(count_node, "spawn: " + std::to_string(count) +
                              " processes is more steps than the scenario may have (" +
                              std::to_string(steps_.limit()) + " steps in all, " +
                              std::to_string(steps_.used()) + " before this one)");
  }
  if (count != 0 && prefix.size() + std::to_string(count - 1).size() > kMaxNameLength) {
    rep_.fail(prefix_node, "prefix: " + quote(prefix + std::to_string(count - 1)) +
                               " is longer than a name may be (" + std::to_string(kMaxNameLength) +
                               " characters)");
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    steps_.charge(rep_, f.key_node, 1);
    Step step;
    step.kind = "spawn";
    step.loc = rep_.loc(f.key_node);
    step.index = ++index;
    Spawn sp{prefix + std::to_string(i)};
    if (!names_.emplace(sp.mm, VmaTable{}).second) {
      rep_.fail(prefix_node, "duplicate mm " + quote(sp.mm) + " (already spawned or forked)");
    }
    step.body = std::move(sp);
    out.push_back(std::move(step));
  }
}

} // namespace ksmsim::scenario::detail
