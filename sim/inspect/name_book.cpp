// SPDX-License-Identifier: GPL-2.0-only
#include "sim/inspect/name_book.h"

#include <fmt/format.h>

#include "model/ksm/v2.6.32/ksm.h"
#include "model/ksm/v3.9/ksm.h"
#include "model/mm/kernel.h"

namespace ksmsim {

namespace {
constexpr std::size_t MAX_WALK = 1u << 24;

const v2_6_32::Ksm *ksm_seed(const Kernel &k) {
  return dynamic_cast<const v2_6_32::Ksm *>(&k.ksm);
}

// v2.6.32: the seed's mm_slots and, with names, their rmap_items (it has
// no stable_node to name).
template <class Note>
void note_seed(const v2_6_32::Ksm &ksm, const ScenarioNames *names, Note note) {
  std::size_t walked = 0;
  const list_node *head = &ksm.ksm_mm_head.mm_list;
  for (const list_node *l = head->next; l != head && walked < MAX_WALK; l = l->next, walked++) {
    const auto *slot = reinterpret_cast<const v2_6_32::mm_slot *>(l); // mm_list comes first
    if (!slot->mm)
      continue;
    note(HandleKind::mm_slot, slot->id, "mm_slot " + slot->mm->name);
    if (!names)
      continue;
    for (const list_node *r = slot->rmap_list.next; r != &slot->rmap_list && walked < MAX_WALK;
         r = r->next, walked++) {
      const v2_6_32::rmap_item *item = v2_6_32::rmap_of_link(const_cast<list_node *>(r));
      if (item->mm)
        note(HandleKind::rmap_item, item->id,
             address_name(*names, item->mm->name, item->address & PAGE_MASK));
    }
  }
}
} // namespace

void NameBook::note(HandleKind kind, std::uint32_t id, const std::string &name) {
  if (names_.size() >= MAX_NAMES) {
    full_ = full_ || !names_.count(handle(kind, id));
    return;
  }
  names_.emplace(handle(kind, id), name);
}

void NameBook::note_mms(const Kernel &k) {
  for (const mm_struct *mm : k.mms())
    note(HandleKind::mm, mm->id, "mm " + mm->name);
  auto add = [&](HandleKind kind, std::uint32_t id, const std::string &name) {
    note(kind, id, name);
  };
  if (const v2_6_32::Ksm *seed = ksm_seed(k))
    return note_seed(*seed, nullptr, add);
  const Ksm *v39 = ksm_v3_9(k);
  if (!v39)
    return; // the objects named below are v3.9's
  v39->for_each_mm_slot([&](const mm_slot *slot) {
    if (slot->mm)
      note(HandleKind::mm_slot, slot->id, "mm_slot " + slot->mm->name);
  });
}

void NameBook::note_all(const Kernel &k, const ScenarioNames &names) {
  note_mms(k);
  if (const v2_6_32::Ksm *seed = ksm_seed(k))
    return note_seed(*seed, &names, [&](HandleKind kind, std::uint32_t id, const std::string &n) {
      if (!full_)
        note(kind, id, n);
    });
  const Ksm *v39 = ksm_v3_9(k);
  if (!v39)
    return;
  v39->for_each_stable_node([&](const stable_node *node) {
    if (!full_)
      note(HandleKind::stable_node, node->id, stable_node_name(*node));
  });
  std::size_t walked = 0;
  // A cyclic rmap_list ends at MAX_WALK, or when the book is full.
  v39->for_each_mm_slot([&](const mm_slot *slot) {
    for (const rmap_item *item = v39->rmap_at(slot->rmap_list); item && walked < MAX_WALK && !full_;
         item = rmap_item_next(item), walked++) {
      if (item->mm)
        note(HandleKind::rmap_item, rmap_item_id(item), rmap_item_name(names, *item));
    }
  });
}

void NameBook::note_scanned(const Kernel &k, const ScenarioNames &names) {
  const Ksm *v39 = ksm_v3_9(k);
  if (!v39)
    return;
  const struct ksm_scan &scan = v39->ksm_scan;
  if (!scan.mm_slot || scan.mm_slot == &v39->ksm_mm_head || !scan.rmap_list ||
      scan.rmap_list == &scan.mm_slot->rmap_list)
    return;
  // ksm_scan.rmap_list = &rmap_item->rmap_list, the first member: the item scanned.
  const rmap_item *item = reinterpret_cast<const rmap_item *>(scan.rmap_list);
  // Called for every page ksmd scans: format a name only for a new handle.
  if (item->mm && !names_.count(handle(HandleKind::rmap_item, rmap_item_id(item))))
    note(HandleKind::rmap_item, rmap_item_id(item), rmap_item_name(names, *item));
  const stable_node *head = v39->stable_of_head(item->head);
  if (item->mm && (item->address & STABLE_FLAG) && head &&
      !names_.count(handle(HandleKind::stable_node, head->id)))
    note(HandleKind::stable_node, head->id, stable_node_name(*head));
}

ojson NameBook::json_object() const {
  ojson o = ojson::object();
  // The handles are unique and in order already: appended as they are
  // (ordered_json's operator[] looks for the key first, a scan each time).
  ojson::object_t &members = o.get_ref<ojson::object_t &>();
  members.reserve(names_.size());
  for (const auto &[h, name] : names_)
    members.emplace_back(fmt::format("{:016x}", h), name);
  return o;
}

std::string NameBook::trace_comments() const {
  std::string out = "# ksmsim names: what each handle printed below stands for\n";
  if (full_)
    out += fmt::format("# ksmsim names: only the first {} objects are named\n", MAX_NAMES);
  for (const auto &[h, name] : names_)
    out += fmt::format("# ksmsim name {:016x} {}\n", h, name);
  return out;
}

std::string NameBook::with_trace_names(const std::string &trace) const {
  std::size_t at = 0;
  while (at < trace.size() && trace[at] == '#') {
    std::size_t nl = trace.find('\n', at);
    at = nl == std::string::npos ? trace.size() : nl + 1;
  }
  return trace.substr(0, at) + trace_comments() + trace.substr(at);
}

} // namespace ksmsim
