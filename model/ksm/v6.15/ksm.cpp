// SPDX-License-Identifier: GPL-2.0-only
//
// A port of Linux 3.9 mm/ksm.c (see docs/port-map.md): the scan, the
// stable and unstable trees, merging, unmerging and the rmap walks. The
// kernel's locking (mmap_sem, page locks, ksm_mmlist_lock) is kept where it
// decides control flow; spinlocks only serialise CPUs, and the simulation
// runs one at a time, so those are cond_resched points here instead.
#include "model/ksm/v6.15/ksm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>

#include "model/ksm/v6.15/ksm_tree.h"
#include "model/lib/rbtree_ops.h"
#include "model/mm/kernel.h"
#include "model/mm/pagewalk.h"

namespace ksmsim::v6_15 {

namespace {
template <class T, class M> T *container_of(M *member, M T::*field) {
  const std::ptrdiff_t off = reinterpret_cast<const char *>(&(static_cast<T *>(nullptr)->*field)) -
                             static_cast<const char *>(nullptr);
  return reinterpret_cast<T *>(reinterpret_cast<char *>(member) - off);
}
rmap_item *rmap_of_node(rb_node *n) {
  return container_of(n, &rmap_item::node);
}
stable_node *stable_of_node(rb_node *n) {
  return container_of(n, &stable_node::node);
}
mm_slot *slot_of_list(list_node *n) {
  return container_of(n, &mm_slot::mm_list);
}
constexpr std::size_t RMAP_QUARANTINE = 4096;

// Not the kernel's: a hint to fetch both children of a tree node while this
// level's page is compared, since the tree walks wait on memory.
inline void prefetch_children(const rb_node *n) {
  __builtin_prefetch(n->rb_left);
  __builtin_prefetch(n->rb_right);
}

// What %p prints for an object, formatted only when a trace line is (the
// arguments of trace_fmt are built even with tracing off).
struct Ptr {
  HandleKind kind;
  std::uint32_t id;
};
Ptr ptr(HandleKind kind, std::uint32_t id) {
  return {kind, id};
}
} // namespace
} // namespace ksmsim::v6_15

template <> struct fmt::formatter<ksmsim::v6_15::Ptr> : fmt::formatter<std::uint64_t> {
  auto format(ksmsim::v6_15::Ptr p, format_context &ctx) const {
    return fmt::format_to(ctx.out(), "{:016x}", ksmsim::handle(p.kind, p.id));
  }
};

namespace ksmsim::v6_15 {

rmap_item *Ksm::rmap_of_hlist(list_node *n) {
  return container_of(n, &rmap_item::hlist);
}
stable_node *Ksm::stable_of_list(list_node *n) {
  return container_of(n, &stable_node::list);
}
stable_node *Ksm::stable_of_hlist_dup(list_node *n) {
  return container_of(n, &stable_node::hlist_dup);
}

Ksm::Ksm(Kernel &kernel) : k(kernel) {
  INIT_LIST_HEAD(&ksm_mm_head.mm_list);
  INIT_LIST_HEAD(&migrate_nodes);
  ksm_scan.mm_slot = &ksm_mm_head;
  ksm_use_zero_pages = false; // ksm_init: default to false for backwards compatibility
}

Ksm::~Ksm() = default;

// ---------------------------------------------------------------- checks

void Ksm::check_live(const stable_node *node, const char *fn) const {
  if (node->freed)
    use_after_free(fn, fmt::format("stable_node {}", ptr(HandleKind::stable_node, node->id)));
}
void Ksm::check_live(const rmap_item *item, const char *fn) const {
  if (!item->mm)
    use_after_free(fn, fmt::format("rmap_item {}", ptr(HandleKind::rmap_item, item->id)));
}
void Ksm::check_live(const mm_slot *slot, const char *fn) const {
  if (slot->freed)
    use_after_free(fn, fmt::format("mm_slot {}", ptr(HandleKind::mm_slot, slot->id)));
}

namespace {
// Is node linked in the tree under root? Walks up checking every parent's
// child link, so a node left over from a reset or orphaned tree is not
// mistaken. Bounded: a stale parent chain may be cyclic.
bool rb_in_tree(const rb_root &root, const rb_node *n) {
  for (int depth = 0; depth < 256; depth++) {
    const rb_node *p = rb_parent(n);
    if (!p)
      return root.rb_node == n;
    if (p->rb_left != n && p->rb_right != n)
      return false;
    n = p;
  }
  return false;
}
} // namespace

std::string Ksm::root_name(const rb_root *root) const {
  for (int nid = 0; nid < nr_roots(); nid++) {
    if (root == &root_stable_tree[nid])
      return fmt::format("root_stable_tree[{}]", nid);
    if (root == &root_unstable_tree[nid])
      return fmt::format("root_unstable_tree[{}]", nid);
  }
  return root == one_stable_tree ? "one_stable_tree" : "one_unstable_tree";
}

// The kernel's rb_erase checks nothing: it rewrites whatever node's own
// links point at (a parent of another tree, or root if the parent is NULL).
// Only the simulator can see that node is not in root's tree: a detector
// report, then the kernel's erase as it is.
void Ksm::rb_erase(rb_node *node, rb_root *root, const char *fn) {
  if (!rb_in_tree(*root, node))
    detector_report(fn, "rb-erase-not-in-tree",
                    "ksmsim: rb_erase of a node that is not in " + root_name(root));
  ksmsim::rb_erase(node, root);
}

int Ksm::nr_roots() const {
  return root_stable_tree == one_stable_tree ? 1 : k.machine.nodes;
}

bool Ksm::in_unstable_tree(const rmap_item *item) const {
  for (int nid = 0; nid < nr_roots(); nid++)
    if (rb_in_tree(root_unstable_tree[nid], &item->node))
      return true;
  return false;
}

bool Ksm::in_stable_tree(const stable_node *node) const {
  for (int nid = 0; nid < nr_roots(); nid++)
    if (rb_in_tree(root_stable_tree[nid], &node->node))
      return true;
  return false;
}

int Ksm::stable_tree_nid_of(const stable_node *node) const {
  for (int nid = 0; nid < nr_roots(); nid++)
    if (rb_in_tree(root_stable_tree[nid], &node->node))
      return nid;
  return -1;
}

// ------------------------------------------------------------ allocation

rmap_item *Ksm::alloc_rmap_item() {
  rmap_item *item;
  std::uint32_t id;
  if (rmap_quarantine_.size() > RMAP_QUARANTINE) {
    item = rmap_quarantine_.front();
    rmap_quarantine_.pop_front();
    id = item->id; // the same slab object: the same pointer
  } else {
    item = &rmap_items_.emplace_back();
    id = next_rmap_id_++;
  }
  *item = rmap_item{}; // kmem_cache_zalloc
  ops.rmap_allocs++;
  item->id = id;
  ksm_rmap_items++;
  return item;
}

void Ksm::free_rmap_item(rmap_item *item) {
  ksm_rmap_items--;
  item->mm->ksm_rmap_items--;
  ops.rmap_frees++;
  item->mm = nullptr; // debug safety, and our freed mark
  rmap_quarantine_.push_back(item);
}

stable_node *Ksm::alloc_stable_node() {
  stable_nodes_.push_back(std::make_unique<stable_node>());
  stable_node *node = stable_nodes_.back().get();
  node->id = next_stable_id_++;
  ops.stable_allocs++;
  return node;
}

void Ksm::free_stable_node(stable_node *node) {
  VM_BUG_ON(node->rmap_hlist_len && !is_stable_node_chain(node));
  if (k.touch && !is_stable_node_chain(node)) // its KSM page, if any, may still point to it
    k.touch->frame(node->kpfn);
  node->freed = true;
}

mm_slot *Ksm::alloc_mm_slot() {
  mm_slots_.push_back(std::make_unique<mm_slot>());
  mm_slot *slot = mm_slots_.back().get();
  slot->id = next_slot_id_++;
  return slot;
}

void Ksm::free_mm_slot(mm_slot *slot) {
  slot->freed = true;
}

mm_slot *Ksm::get_mm_slot(mm_struct *mm) {
  for (const auto &slot : mm_slots_)
    if (!slot->freed && slot->mm == mm)
      return slot.get();
  return nullptr;
}

void Ksm::insert_to_mm_slots_hash(mm_struct *mm, mm_slot *slot) {
  slot->mm = mm;
}
void Ksm::hash_del(mm_slot *slot) {
  slot->mm = nullptr;
}

// ----------------------------------------------------------- the port

// The simulation's page->mapping holds the node's id, not its address
// (model/mm/mm_types.h): ids count from 1 in allocation order, and
// stable_nodes_ keeps every node ever allocated, so id N is node N-1.
stable_node *Ksm::folio_stable_node(const page *p) const {
  if (!Kernel::PageKsm(p))
    return nullptr;
  const std::uint32_t id = mapping_id(p->mapping);
  return id && id <= stable_nodes_.size() ? stable_nodes_[id - 1].get() : nullptr;
}

// (6.x warns if the folio is still PageAnonExclusive: the simulation has no
// such bit.)
void Ksm::folio_set_stable_node(page *p, stable_node *node) {
  if (k.touch)
    k.touch->frame(k.page_to_pfn(p));
  p->mapping = mapping_of(node ? node->id : 0, PAGE_MAPPING_ANON | PAGE_MAPPING_KSM);
}

bool Ksm::ksm_test_exit(mm_struct *mm) {
  return mm->mm_users == 0;
}

// ---- stable_node chains and dups

void Ksm::stable_node_chain_add_dup(stable_node *dup, stable_node *chain) {
  VM_BUG_ON(is_stable_node_dup(dup));
  dup->head = STABLE_NODE_DUP_HEAD();
  VM_BUG_ON(!is_stable_node_chain(chain));
  list_add(&dup->hlist_dup, &chain->hlist); // hlist_add_head
  ksm_stable_node_dups++;
}

void Ksm::__stable_node_dup_del(stable_node *dup) {
  VM_BUG_ON(!is_stable_node_dup(dup));
  list_del(&dup->hlist_dup); // hlist_del
  ksm_stable_node_dups--;
}

void Ksm::stable_node_dup_del(stable_node *dup) {
  VM_BUG_ON(is_stable_node_chain(dup));
  if (is_stable_node_dup(dup))
    __stable_node_dup_del(dup);
  else
    rb_erase(&dup->node, &root_stable_tree[dup->nid], __func__);
  dup->head = nullptr; // CONFIG_DEBUG_VM
}

stable_node *Ksm::alloc_stable_node_chain(stable_node *dup, rb_root *root) {
  stable_node *chain = alloc_stable_node();
  VM_BUG_ON(is_stable_node_chain(dup));
  INIT_LIST_HEAD(&chain->hlist);
  chain->chain_prune_time = jiffies();
  chain->rmap_hlist_len = STABLE_NODE_CHAIN;
  chain->nid = -1; // NUMA_NO_NODE (debug)
  ksm_stable_node_chains++;
  // Put the chain in the first dimension of the stable tree in place of
  // the old stable node, which becomes the chain's first dup: all dups of a
  // chain point to write-protected pages of the same content.
  rb_replace_node(&dup->node, &chain->node, root);
  stable_node_chain_add_dup(dup, chain);
  return chain;
}

void Ksm::free_stable_node_chain(stable_node *chain, rb_root *root) {
  rb_erase(&chain->node, root, __func__);
  free_stable_node(chain);
  ksm_stable_node_chains--;
}

bool Ksm::__is_page_sharing_candidate(const stable_node *node, int offset) const {
  VM_BUG_ON(node->rmap_hlist_len < 0);
  // At least one mapping must still exist: else the other sharer's page is
  // about to be freed.
  return node->rmap_hlist_len && node->rmap_hlist_len + offset < ksm_max_page_sharing;
}

page *Ksm::stable_node_dup(stable_node **_stable_node_dup, stable_node **_stable_node,
                           rb_root *root, bool prune_stale_stable_nodes) {
  KFUNC();
  stable_node *found = nullptr, *node = *_stable_node;
  page *tree_page = nullptr;
  int found_rmap_hlist_len = 0;
  check_live(node, __func__);

  if (!prune_stale_stable_nodes ||
      static_cast<long>(jiffies() - (node->chain_prune_time +
                                     msecs_to_jiffies(ksm_stable_node_chains_prune_millisecs))) <
          0) // time_before
    prune_stale_stable_nodes = false;
  else
    node->chain_prune_time = jiffies();

  for (list_node *n = node->hlist.next, *next; n != &node->hlist; n = next) {
    next = n->next; // hlist_for_each_entry_safe: ksm_get_folio may drop dup
    stable_node *dup = stable_of_hlist_dup(n);
    k.cond_resched("stable_node_dup:cond_resched");
    page *p = ksm_get_folio(dup, KSM_GET_FOLIO_NOLOCK);
    if (!p)
      continue;
    // Pick the best candidate if possible.
    if (!found ||
        (is_page_sharing_candidate(dup) &&
         (!is_page_sharing_candidate(found) || dup->rmap_hlist_len > found_rmap_hlist_len))) {
      if (found)
        k.put_page(tree_page);
      found = dup;
      found_rmap_hlist_len = found->rmap_hlist_len;
      tree_page = p;
      // skip put_page for found candidate
      if (!prune_stale_stable_nodes && is_page_sharing_candidate(found))
        break;
      continue;
    }
    k.put_page(p);
  }

  if (found) {
    // hlist_is_singular_node(&found->hlist_dup, &node->hlist)
    if (node->hlist.next == &found->hlist_dup && found->hlist_dup.next == &node->hlist) {
      // Just one dup, below the limit: drop the chain. The caller depends on
      // *_stable_node being the dup when the chain was collapsed.
      rb_replace_node(&node->node, &found->node, root);
      free_stable_node(node);
      ksm_stable_node_chains--;
      ksm_stable_node_dups--;
      *_stable_node = found;
    } else if (node->hlist.next != &found->hlist_dup && __is_page_sharing_candidate(found, 1)) {
      // The dup can take one more merge after this one and is not at the
      // head of the chain: put it there, so the next search is quicker.
      list_del(&found->hlist_dup);
      list_add(&found->hlist_dup, &node->hlist);
    }
  } else {
    // Its hlist must be empty if none was found.
    free_stable_node_chain(node, root);
  }

  *_stable_node_dup = found;
  return tree_page;
}

page *Ksm::__stable_node_chain(stable_node **_stable_node_dup, stable_node **_stable_node,
                               rb_root *root, bool prune_stale_stable_nodes) {
  stable_node *node = *_stable_node;
  if (!is_stable_node_chain(node)) {
    *_stable_node_dup = node;
    return ksm_get_folio(node, KSM_GET_FOLIO_NOLOCK);
  }
  return stable_node_dup(_stable_node_dup, _stable_node, root, prune_stale_stable_nodes);
}

// ---- merging and unmerging

// 6.x breaks COW with an unshare fault: the KSM page (or KSM zero pte) is
// replaced by an exclusive anonymous page. lock_vma (vma_start_write) is
// for per-VMA locks, which the simulation has not.
int Ksm::break_ksm(vm_area_struct *vma, std::uint64_t addr, bool lock_vma) {
  KFUNC();
  (void)lock_vma;
  int ret = 0;
  do {
    bool ksm_page = false;
    k.cond_resched("break_ksm:cond_resched");
    folio_walk fw;
    ops.follow_page++;
    page *folio = folio_walk_start(k, &fw, vma, addr, FW_MIGRATION | FW_ZEROPAGE);
    // Small folio implies FW_LEVEL_PTE.
    if (folio && (Kernel::PageKsm(folio) || is_ksm_zero_pte(fw.pte)))
      ksm_page = true;
    if (!ksm_page)
      return 0;
    ret = k.handle_mm_fault(vma->vm_mm, vma, addr, FAULT_FLAG_UNSHARE | FAULT_FLAG_REMOTE);
  } while (!(ret & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_OOM)));
  return (ret & VM_FAULT_OOM) ? -ENOMEM : 0;
}

bool Ksm::vma_ksm_compatible(const vm_area_struct *vma) {
  // (VM_DROPPABLE, DAX, VM_SAO and VM_SPARC_ADI: none in the simulation)
  if (vma->vm_flags &
      (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP))
    return false; // just ignore the advice
  return true;
}

vm_area_struct *Ksm::find_mergeable_vma(mm_struct *mm, std::uint64_t addr) {
  if (ksm_test_exit(mm))
    return nullptr;
  vm_area_struct *vma = k.find_vma(mm, addr); // vma_lookup
  if (!vma || vma->vm_start > addr)
    return nullptr;
  if (!(vma->vm_flags & VM_MERGEABLE) || !vma->anon_vma)
    return nullptr;
  return vma;
}

void Ksm::break_cow(rmap_item *item) {
  KFUNC();
  mm_struct *mm = item->mm;
  std::uint64_t addr = item->address;
  // It is not an accident that whenever we want to break COW to undo, we
  // also need to drop a reference to the anon_vma.
  k.put_anon_vma(item->anon_vma);
  k.down_read(mm);
  vm_area_struct *vma = find_mergeable_vma(mm, addr);
  if (vma)
    break_ksm(vma, addr, false);
  k.up_read(mm);
}

page *Ksm::get_mergeable_page(rmap_item *item) {
  KFUNC();
  mm_struct *mm = item->mm;
  std::uint64_t addr = item->address;
  page *p = nullptr;
  k.down_read(mm);
  vm_area_struct *vma = find_mergeable_vma(mm, addr);
  if (vma) {
    folio_walk fw;
    ops.follow_page++;
    page *folio = folio_walk_start(k, &fw, vma, addr, 0);
    if (folio && Kernel::PageAnon(folio)) { // (no zone device pages)
      k.get_page(folio);
      p = fw.page;
    }
  }
  k.up_read(mm);
  return p;
}

int Ksm::get_kpfn_nid(std::uint64_t kpfn) const {
  return ksm_merge_across_nodes ? 0 : k.pfn_to_nid(kpfn);
}

void Ksm::remove_node_from_stable_tree(stable_node *node) {
  KFUNC();
  check_live(node, __func__);
  // check it's not STABLE_NODE_CHAIN or negative
  BUG_ON(node->rmap_hlist_len < 0);
  for (list_node *n = node->hlist.next; n != &node->hlist; n = n->next) {
    rmap_item *item = rmap_of_hlist(n);
    if (n->next != &node->hlist) {
      ksm_pages_sharing--;
      k.trace_fmt("ksm_remove_rmap_item", "pfn {} rmap_item {} mm {}", node->kpfn,
                  ptr(HandleKind::rmap_item, item->id), ptr(HandleKind::mm, item->mm->id));
    } else {
      ksm_pages_shared--;
    }
    item->mm->ksm_merging_pages--;
    VM_BUG_ON(node->rmap_hlist_len <= 0);
    node->rmap_hlist_len--;
    k.put_anon_vma(item->anon_vma);
    item->address &= PAGE_MASK;
    k.cond_resched("remove_node_from_stable_tree:cond_resched");
  }
  k.trace_fmt("ksm_remove_ksm_page", "pfn {}", node->kpfn);
  if (node->head == &migrate_nodes)
    list_del(&node->list);
  else
    stable_node_dup_del(node);
  free_stable_node(node);
}

page *Ksm::ksm_get_folio(stable_node *node, ksm_get_folio_flags flags) {
  KFUNC();
  check_live(node, __func__);
  const std::uint32_t expected_mapping = mapping_of(node->id, PAGE_MAPPING_ANON | PAGE_MAPPING_KSM);
  for (;;) { // again:
    std::uint64_t kpfn = node->kpfn;
    page *p = k.pfn_to_page(kpfn);
    bool stale = false;
    if (p->mapping != expected_mapping) {
      stale = true;
    } else if (!k.get_page_unless_zero(p)) {
      // A refcount of 0 under page_ref_freeze() is never seen here: no
      // other CPU is ever between freezing and unfreezing.
      stale = true;
    } else if (p->mapping != expected_mapping) {
      k.put_page(p);
      stale = true;
    } else {
      if (flags == KSM_GET_FOLIO_TRYLOCK) {
        if (!k.trylock_page(p)) {
          k.put_page(p);
          return ksm_folio_busy();
        }
      } else if (flags == KSM_GET_FOLIO_LOCK) {
        k.lock_page(p);
      }
      if (flags != KSM_GET_FOLIO_NOLOCK && p->mapping != expected_mapping) {
        k.unlock_page(p);
        k.put_page(p);
        stale = true;
      }
    }
    if (!stale)
      return p;
    // stale: but it might be under migration
    if (node->kpfn != kpfn)
      continue;
    remove_node_from_stable_tree(node);
    return nullptr;
  }
}

void Ksm::remove_rmap_item_from_tree(rmap_item *item) {
  KFUNC();
  check_live(item, __func__);
  if (item->address & STABLE_FLAG) {
    stable_node *node = item->head;
    page *p = ksm_get_folio(node, KSM_GET_FOLIO_LOCK);
    if (p) {
      list_del(&item->hlist); // hlist_del
      k.unlock_page(p);
      k.put_page(p);
      if (!list_empty(&node->hlist))
        ksm_pages_sharing--;
      else
        ksm_pages_shared--;
      item->mm->ksm_merging_pages--;
      VM_BUG_ON(node->rmap_hlist_len <= 0);
      node->rmap_hlist_len--;
      k.put_anon_vma(item->anon_vma);
      item->head = nullptr;
      item->address &= PAGE_MASK;
    }
  } else if (item->address & UNSTABLE_FLAG) {
    // Usually ksmd can and must skip the rb_erase, because the unstable
    // tree was already reset; but not if this item was inserted this scan.
    unsigned char age = static_cast<unsigned char>(ksm_scan.seqnr - item->address);
    BUG_ON(age > 1);
    if (!age)
      rb_erase(&item->node, &root_unstable_tree[item->nid], __func__);
    ksm_pages_unshared--;
    item->address &= PAGE_MASK;
  }
  k.cond_resched("remove_rmap_item_from_tree:cond_resched"); // called from many long loops
}

void Ksm::remove_trailing_rmap_items(rmap_item **rmap_list) {
  while (*rmap_list) {
    rmap_item *item = *rmap_list;
    *rmap_list = item->rmap_list;
    remove_rmap_item_from_tree(item);
    free_rmap_item(item);
  }
}

int Ksm::unmerge_ksm_pages(vm_area_struct *vma, std::uint64_t start, std::uint64_t end,
                           bool lock_vma) {
  KFUNC();
  int err = 0;
  for (std::uint64_t addr = start; addr < end && !err; addr += PAGE_SIZE) {
    if (ksm_test_exit(vma->vm_mm))
      break;
    err = break_ksm(vma, addr, lock_vma); // no signals are ever pending here
  }
  return err;
}

int Ksm::remove_stable_node(stable_node *node) {
  KFUNC();
  page *p = ksm_get_folio(node, KSM_GET_FOLIO_LOCK);
  if (!p)
    return 0; // ksm_get_folio did remove_node_from_stable_tree itself
  // Still mapped if this races with __mmput between ksm_exit and
  // exit_mmap: refuse to let merge_across_nodes/max_page_sharing switch.
  int err = -EBUSY;
  if (!Kernel::page_mapped(p)) {
    // Not yet stale to ksm_get_folio (perhaps swap cache), but safe to remove.
    folio_set_stable_node(p, nullptr);
    remove_node_from_stable_tree(node);
    err = 0;
  }
  k.unlock_page(p);
  k.put_page(p);
  return err;
}

int Ksm::remove_stable_node_chain(stable_node *node, rb_root *root) {
  if (!is_stable_node_chain(node)) {
    VM_BUG_ON(is_stable_node_dup(node));
    return remove_stable_node(node) ? 1 : 0;
  }
  for (list_node *n = node->hlist.next, *next; n != &node->hlist; n = next) {
    next = n->next;
    stable_node *dup = stable_of_hlist_dup(n);
    VM_BUG_ON(!is_stable_node_dup(dup));
    if (remove_stable_node(dup))
      return 1;
  }
  BUG_ON(!list_empty(&node->hlist));
  free_stable_node_chain(node, root);
  return 0;
}

int Ksm::remove_all_stable_nodes() {
  KFUNC();
  int err = 0;
  for (int nid = 0; nid < ksm_nr_node_ids; nid++) {
    while (root_stable_tree[nid].rb_node) {
      stable_node *node = stable_of_node(root_stable_tree[nid].rb_node);
      if (remove_stable_node_chain(node, &root_stable_tree[nid])) {
        err = -EBUSY;
        break; // proceed to next nid
      }
      k.cond_resched("remove_all_stable_nodes:tree");
    }
  }
  for (list_node *n = migrate_nodes.next, *next; n != &migrate_nodes; n = next) {
    next = n->next;
    if (remove_stable_node(stable_of_list(n)))
      err = -EBUSY;
    k.cond_resched("remove_all_stable_nodes:migrate_nodes");
  }
  return err;
}

int Ksm::unmerge_and_remove_all_rmap_items() {
  KFUNC();
  int err = 0;
  ksm_scan.mm_slot = slot_of_list(ksm_mm_head.mm_list.next);
  k.cond_resched("unmerge_and_remove_all_rmap_items:start"); // spin_unlock(&ksm_mmlist_lock)

  for (mm_slot *slot = ksm_scan.mm_slot; slot != &ksm_mm_head; slot = ksm_scan.mm_slot) {
    check_live(slot, __func__);
    mm_struct *mm = slot->mm;
    k.trace_fmt("ksmsim_unmerge_mm", "mm {}", ptr(HandleKind::mm, mm->id));
    k.down_read(mm);
    // Exit right away if mm is exiting (the maple tree's lockdep issue).
    if (!ksm_test_exit(mm)) {
      for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
        if (!(vma->vm_flags & VM_MERGEABLE) || !vma->anon_vma)
          continue;
        err = unmerge_ksm_pages(vma, vma->vm_start, vma->vm_end, false);
        if (err) {
          k.up_read(mm);
          ksm_scan.mm_slot = &ksm_mm_head;
          return err;
        }
      }
    }
    // mm_exiting:
    remove_trailing_rmap_items(&slot->rmap_list);
    k.up_read(mm);

    ksm_scan.mm_slot = slot_of_list(slot->mm_list.next);
    if (ksm_test_exit(mm)) {
      hash_del(slot);
      list_del(&slot->mm_list);
      free_mm_slot(slot);
      mm->flags &= ~(MMF_VM_MERGEABLE | MMF_VM_MERGE_ANY);
      k.mmdrop(mm);
    }
    k.cond_resched("unmerge_and_remove_all_rmap_items:next_mm");
  }
  // Clean up stable nodes, but don't worry if some are still busy
  remove_all_stable_nodes();
  ksm_scan.seqnr = 0;
  return 0;
}

// Not xxhash: the simulation's page checksum (ContentStore); only equality
// of checksums matters to the port.
std::uint32_t Ksm::calc_checksum(page *p) {
  ops.checksums++;
  return k.contents.checksum(p->content);
}

int Ksm::memcmp_pages(page *a, page *b) {
  count_memcmp(a->content, b->content);
  return k.contents.compare(a->content, b->content);
}

void Ksm::count_memcmp(const PageContent &a, const PageContent &b) {
  ops.memcmp_calls++;
  if (ops.count_bytes)
    ops.memcmp_bytes += k.contents.compared_length(a, b);
}

// 6.x: also write-protects a PageAnonExclusive page or one with a TLB
// flush pending; the simulation has neither (always false here).
int Ksm::write_protect_page(vm_area_struct *vma, page *p, pte_t *orig_pte) {
  KFUNC();
  ops.write_protects++;
  mm_struct *mm = vma->vm_mm;
  int err = -EFAULT;
  std::uint64_t addr = k.page_address_in_vma(p, vma);
  if (addr == static_cast<std::uint64_t>(-EFAULT))
    return err;
  pte_t *ptep = k.page_check_address(p, mm, addr); // page_vma_mapped_walk
  if (!ptep)
    return err;
  pte_t entry = *ptep;
  if (!pte_present(entry))
    return err;
  if (pte_write(entry) || pte_dirty(entry)) {
    int swapped = Kernel::PageSwapCache(p);
    entry = *ptep; // ptep_clear_flush
    k.set_pte(ptep, pte_t{});
    // Check that no O_DIRECT or similar I/O is in progress on the page
    if (Kernel::page_mapcount(p) + 1 + swapped != Kernel::page_count(p)) {
      k.set_pte(ptep, entry);
      return err;
    }
    if (pte_dirty(entry))
      p->flags |= PG_dirty; // folio_mark_dirty
    entry = pte_mkclean(entry);
    if (pte_write(entry))
      entry = pte_wrprotect(entry);
    k.set_pte(ptep, entry);
  }
  *orig_pte = entry;
  return 0;
}

void Ksm::ksm_map_zero_page(mm_struct *mm) {
  ksm_zero_pages++;
  mm->ksm_zero_pages++;
}

int Ksm::replace_page(vm_area_struct *vma, page *p, page *kpage, pte_t orig_pte) {
  KFUNC();
  ops.replace_pages++;
  mm_struct *mm = vma->vm_mm;
  std::uint64_t addr = k.page_address_in_vma(p, vma);
  if (addr == static_cast<std::uint64_t>(-EFAULT))
    return -EFAULT;
  if (!k.mm_find_pmd(mm, addr))
    return -EFAULT;
  pte_t *ptep = k.pte_offset(mm, addr, false);
  if (!ptep || !pte_same(*ptep, orig_pte))
    return -EFAULT;
  pte_t newpte;
  // No need to check ksm_use_zero_pages: only then can kpage be the zero page.
  if (!k.is_zero_pfn(k.page_to_pfn(kpage))) {
    k.get_page(kpage);
    k.page_add_anon_rmap(kpage, vma, addr);
    newpte = pfn_pte(k.page_to_pfn(kpage)); // mk_pte(kpage, vm_page_prot): read-only, clean
  } else {
    // pte_mkdirty marks the zero page mapped by KSM (is_ksm_zero_pte).
    newpte = mk_ksm_zero_pte(addr);
    ksm_map_zero_page(mm);
    // An anonymous page replaced by the zero page, which is not anonymous.
    mm->anon_rss--; // dec_mm_counter(mm, MM_ANONPAGES)
  }
  k.set_pte(ptep, pte_t{}); // ptep_clear_flush
  k.set_pte(ptep, newpte);
  k.page_remove_rmap(p);
  if (!Kernel::page_mapped(p))
    k.try_to_free_swap(p);
  k.put_page(p);
  return 0;
}

int Ksm::try_to_merge_one_page(vm_area_struct *vma, page *p, page *kpage) {
  KFUNC();
  pte_t orig_pte{};
  int err = -EFAULT;
  if (p == kpage) // ksm page forked
    return 0;
  if (!Kernel::PageAnon(p))
    return err;
  // trylock, not lock: better to scan on and come back to this page later
  if (!k.trylock_page(p))
    return err;
  // (no large folios to split in the simulation)
  if (write_protect_page(vma, p, &orig_pte) == 0) {
    if (!kpage) {
      // While we hold the page lock, upgrade it from anon to a NULL
      // stable_node with the KSM flag: stable_tree_insert will set it.
      folio_set_stable_node(p, nullptr);
      // folio_mark_accessed: the simulation has no referenced bit.
      // Reclaim just frees a clean folio: make sure it would be swapped.
      if (!(p->flags & PG_dirty))
        p->flags |= PG_dirty; // folio_mark_dirty
      err = 0;
    } else if (pages_identical(p, kpage)) {
      err = replace_page(vma, p, kpage, orig_pte);
    }
  }
  k.unlock_page(p);
  return err;
}

int Ksm::try_to_merge_with_zero_page(rmap_item *item, page *p) {
  KFUNC();
  mm_struct *mm = item->mm;
  int err = -EFAULT;
  // Same checksum as an empty page: merge it with the zero page if the user
  // enabled this via sysfs.
  if (!zero_checksum_set) {
    // ksm_init's calc_checksum(ZERO_PAGE(0)), taken when first needed: the
    // port is built before the machine's zero page is.
    zero_checksum = k.contents.checksum(k.zero_page()->content);
    zero_checksum_set = true;
  }
  if (ksm_use_zero_pages && item->oldchecksum == zero_checksum) {
    k.down_read(mm);
    vm_area_struct *vma = find_mergeable_vma(mm, item->address);
    if (vma) {
      page *zp = k.zero_page(); // ZERO_PAGE(rmap_item->address)
      err = try_to_merge_one_page(vma, p, zp);
      k.trace_fmt("ksm_merge_one_page", "ksm pfn {} rmap_item {} mm {} error {}", k.page_to_pfn(zp),
                  ptr(HandleKind::rmap_item, item->id), ptr(HandleKind::mm, mm->id), err);
    } else {
      err = 0; // the vma is out of date: no need to continue
    }
    k.up_read(mm);
  }
  return err;
}

int Ksm::try_to_merge_with_ksm_page(rmap_item *item, page *p, page *kpage) {
  KFUNC();
  mm_struct *mm = item->mm;
  int err = -EFAULT;
  k.down_read(mm);
  vm_area_struct *vma = find_mergeable_vma(mm, item->address);
  if (vma) {
    err = try_to_merge_one_page(vma, p, kpage);
    if (!err) {
      // Unstable nid is in union with stable anon_vma: remove first
      remove_rmap_item_from_tree(item);
      // Must get reference to anon_vma while still holding mmap_lock
      item->anon_vma = vma->anon_vma;
      k.get_anon_vma(vma->anon_vma);
    }
  }
  k.up_read(mm);
  k.trace_fmt("ksm_merge_with_ksm_page", "{}pfn {} rmap_item {} mm {} error {}",
              kpage ? "ksm " : "", k.page_to_pfn(kpage ? kpage : p),
              ptr(HandleKind::rmap_item, item->id), ptr(HandleKind::mm, mm->id), err);
  return err;
}

page *Ksm::try_to_merge_two_pages(rmap_item *item, page *p, rmap_item *tree_item, page *tree_page) {
  KFUNC();
  int err = try_to_merge_with_ksm_page(item, p, nullptr);
  if (!err) {
    err = try_to_merge_with_ksm_page(tree_item, tree_page, p);
    // If that fails, we have a ksm page with only one pte pointing to it:
    // so break it.
    if (err)
      break_cow(item);
  }
  return err ? nullptr : p;
}

// ---- the trees

page *Ksm::stable_tree_search(page *p) {
  KFUNC();
  stable_node *page_node = folio_stable_node(p);
  if (page_node && page_node->head != &migrate_nodes) {
    k.get_page(p); // ksm page forked
    return p;
  }
  int nid = get_kpfn_nid(k.page_to_pfn(p));
  rb_root *root = &root_stable_tree[nid];
  stable_node *node = nullptr, *node_dup = nullptr;
  rb_node **new_;
  rb_node *parent;
again:
  new_ = &root->rb_node;
  parent = nullptr;
  rb_path_bound bound(__func__);
  while (*new_) {
    bound.step();
    k.cond_resched("stable_tree_search:cond_resched");
    ops.stable_levels++;
    node = stable_of_node(*new_);
    page *tree_page = chain_prune(&node_dup, &node, root);
    if (!tree_page) {
      // A stale node was walked over: ksm_get_folio's rb_erase may have
      // rebalanced the tree, so search again from scratch.
      goto again;
    }
    int ret = memcmp_pages(p, tree_page);
    k.put_page(tree_page);
    parent = *new_;
    if (ret < 0) {
      new_ = &parent->rb_left;
    } else if (ret > 0) {
      new_ = &parent->rb_right;
    } else {
      if (page_node) {
        VM_BUG_ON(page_node->head != &migrate_nodes);
        // A migrated KSM page mapped at most once can merge into another
        // KSM page with room for one more; else it joins the chain.
        if (Kernel::page_mapcount(p) > 1)
          goto chain_append;
      }
      if (!is_page_sharing_candidate(node_dup)) {
        // Content matches but every dup is full: wait for the page to find
        // a match in the unstable tree and make a new KSM page, a new dup.
        return nullptr;
      }
      // Lock and unlock the stable_node's page (which might already have
      // been migrated) so that page migration is sure to notice its raised
      // count.
      tree_page = ksm_get_folio(node_dup, KSM_GET_FOLIO_TRYLOCK);
      if (tree_page == ksm_folio_busy())
        return ksm_folio_busy();
      if (!tree_page)
        goto again; // the tree may have been rebalanced
      k.unlock_page(tree_page);
      if (get_kpfn_nid(node_dup->kpfn) != node_dup->nid) {
        k.put_page(tree_page);
        goto replace;
      }
      return tree_page;
    }
  }
  if (!page_node)
    return nullptr;
  list_del(&page_node->list);
  page_node->nid = nid;
  rb_link_node(&page_node->node, parent, new_); // overwrites head (the union)
  rb_insert_color(&page_node->node, root);
out:
  if (is_page_sharing_candidate(page_node)) {
    k.get_page(p);
    return p;
  }
  return nullptr;

replace:
  // If chain_prune collapsed a chain, node is now the regular node and
  // equals node_dup: as if there had been no chain. Otherwise node is the
  // chain and node_dup the dup to replace.
  if (node_dup == node) {
    VM_BUG_ON(is_stable_node_chain(node_dup));
    VM_BUG_ON(is_stable_node_dup(node_dup));
    // there is no chain
    if (page_node) {
      VM_BUG_ON(page_node->head != &migrate_nodes);
      list_del(&page_node->list);
      page_node->nid = nid;
      rb_replace_node(&node_dup->node, &page_node->node, root);
      if (is_page_sharing_candidate(page_node))
        k.get_page(p);
      else
        p = nullptr;
    } else {
      rb_erase(&node_dup->node, root, __func__);
      p = nullptr;
    }
  } else {
    VM_BUG_ON(!is_stable_node_chain(node));
    __stable_node_dup_del(node_dup);
    if (page_node) {
      VM_BUG_ON(page_node->head != &migrate_nodes);
      list_del(&page_node->list);
      page_node->nid = nid;
      stable_node_chain_add_dup(page_node, node);
      if (is_page_sharing_candidate(page_node))
        k.get_page(p);
      else
        p = nullptr;
    } else {
      p = nullptr;
    }
  }
  node_dup->head = &migrate_nodes;
  list_add(&node_dup->list, node_dup->head);
  return p;

chain_append:
  // As at replace: node_dup == node if there is no chain (or it collapsed).
  if (node_dup == node) {
    VM_BUG_ON(is_stable_node_dup(node_dup));
    // chain is missing so create it
    node = alloc_stable_node_chain(node_dup, root);
  }
  // Add this migrated dup to the chain of the current nid for this content.
  VM_BUG_ON(!is_stable_node_dup(node_dup));
  VM_BUG_ON(page_node->head != &migrate_nodes);
  list_del(&page_node->list);
  page_node->nid = nid;
  stable_node_chain_add_dup(page_node, node);
  goto out;
}

stable_node *Ksm::stable_tree_insert(page *kpage) {
  KFUNC();
  std::uint64_t kpfn = k.page_to_pfn(kpage);
  int nid = get_kpfn_nid(kpfn);
  rb_root *root = &root_stable_tree[nid];
  rb_node **new_;
  rb_node *parent;
  stable_node *node = nullptr, *node_dup = nullptr;
  bool need_chain = false;
again:
  parent = nullptr;
  new_ = &root->rb_node;
  rb_path_bound bound(__func__);
  while (*new_) {
    bound.step();
    k.cond_resched("stable_tree_insert:cond_resched");
    ops.stable_levels++;
    node = stable_of_node(*new_);
    page *tree_page = chain(&node_dup, &node, root);
    if (!tree_page)
      goto again; // a stale node: the tree may have been rebalanced
    int ret = memcmp_pages(kpage, tree_page);
    k.put_page(tree_page);
    parent = *new_;
    if (ret < 0) {
      new_ = &parent->rb_left;
    } else if (ret > 0) {
      new_ = &parent->rb_right;
    } else {
      need_chain = true;
      break;
    }
  }

  node_dup = alloc_stable_node();
  INIT_LIST_HEAD(&node_dup->hlist);
  node_dup->kpfn = kpfn;
  node_dup->rmap_hlist_len = 0;
  node_dup->nid = nid;
  if (!need_chain) {
    rb_link_node(&node_dup->node, parent, new_);
    rb_insert_color(&node_dup->node, root);
  } else {
    if (!is_stable_node_chain(node)) {
      stable_node *orig = node;
      node = alloc_stable_node_chain(orig, root); // chain is missing so create it
    }
    stable_node_chain_add_dup(node_dup, node);
  }
  folio_set_stable_node(kpage, node_dup);
  return node_dup;
}

rmap_item *Ksm::unstable_tree_search_insert(rmap_item *item, page *p, page **tree_pagep) {
  KFUNC();
  int nid = get_kpfn_nid(k.page_to_pfn(p));
  rb_root *root = &root_unstable_tree[nid];
  rb_node **new_ = &root->rb_node;
  rb_node *parent = nullptr;
  rb_path_bound bound(__func__);
  while (*new_) {
    bound.step();
    k.cond_resched("unstable_tree_search_insert:cond_resched");
    ops.unstable_levels++;
    rmap_item *tree_item = rmap_of_node(*new_);
    check_live(tree_item, __func__);
    page *tree_page = get_mergeable_page(tree_item);
    if (!tree_page)
      return nullptr;
    // Don't substitute a ksm page for a forked page.
    if (p == tree_page) {
      k.put_page(tree_page);
      return nullptr;
    }
    int ret = memcmp_pages(p, tree_page);
    parent = *new_;
    if (ret < 0) {
      k.put_page(tree_page);
      new_ = &parent->rb_left;
    } else if (ret > 0) {
      k.put_page(tree_page);
      new_ = &parent->rb_right;
    } else if (!ksm_merge_across_nodes && k.page_to_nid(tree_page) != nid) {
      // tree_page was migrated to another node: it goes to the right
      // unstable tree next time; only merge with it when across nodes.
      k.put_page(tree_page);
      return nullptr;
    } else {
      *tree_pagep = tree_page;
      return tree_item;
    }
  }
  item->address |= UNSTABLE_FLAG;
  item->address |= (ksm_scan.seqnr & SEQNR_MASK);
  item->nid = nid;
  rb_link_node(&item->node, parent, new_);
  rb_insert_color(&item->node, root);
  ksm_pages_unshared++;
  return nullptr;
}

void Ksm::stable_tree_append(rmap_item *item, stable_node *node, bool max_page_sharing_bypass) {
  check_live(node, __func__);
  // rmap won't find this mapping unless it is in the right dup: a negative
  // rmap_hlist_len (a chain, or an underflow) is a corrupt stable_node.
  BUG_ON(node->rmap_hlist_len < 0);
  node->rmap_hlist_len++;
  if (!max_page_sharing_bypass) // possibly non fatal but unexpected overflow, only warn
    WARN_ON_ONCE(node->rmap_hlist_len > ksm_max_page_sharing, "mm/ksm.c:stable_tree_append");
  item->head = node;
  item->address |= STABLE_FLAG;
  list_add(&item->hlist, &node->hlist); // hlist_add_head
  if (item->hlist.next != &node->hlist)
    ksm_pages_sharing++;
  else
    ksm_pages_shared++;
  item->mm->ksm_merging_pages++;
}

void Ksm::cmp_and_merge_page(page *p, rmap_item *item) {
  KFUNC();
  check_live(item, __func__);
  page *tree_page = nullptr;
  bool max_page_sharing_bypass = false;
  stable_node *node = folio_stable_node(p);
  if (node) {
    check_live(node, __func__);
    if (node->head != &migrate_nodes && get_kpfn_nid(node->kpfn) != node->nid) {
      stable_node_dup_del(node);
      node->head = &migrate_nodes;
      list_add(&node->list, node->head);
    }
    // item->head overlays node.__rb_parent_color, as in the kernel.
    if (node->head != &migrate_nodes && item->head == node)
      return;
    // A KSM fork may go over the sharing limit without warnings.
    if (!is_page_sharing_candidate(node))
      max_page_sharing_bypass = true;
  } else {
    remove_rmap_item_from_tree(item);
    // If the hash value of the page has changed from the last time we
    // calculated it, this page is changing frequently: don't insert it in
    // the unstable tree, nor search for something identical to it there.
    std::uint32_t checksum = calc_checksum(p);
    if (item->oldchecksum != checksum) {
      item->oldchecksum = checksum;
      return;
    }
    if (!try_to_merge_with_zero_page(item, p))
      return;
  }

  // Start by searching for the folio in the stable tree
  page *kpage = stable_tree_search(p);
  if (kpage == p && item->head == node) {
    k.put_page(kpage);
    return;
  }

  remove_rmap_item_from_tree(item);

  if (kpage) {
    if (kpage == ksm_folio_busy())
      return;
    int err = try_to_merge_with_ksm_page(item, p, kpage);
    if (!err) {
      // The page was successfully merged: add its rmap_item to the stable tree.
      k.lock_page(kpage);
      stable_tree_append(item, folio_stable_node(kpage), max_page_sharing_bypass);
      k.unlock_page(kpage);
    }
    k.put_page(kpage);
    return;
  }

  rmap_item *tree_item = unstable_tree_search_insert(item, p, &tree_page);
  if (tree_item) {
    kpage = try_to_merge_two_pages(item, p, tree_item, tree_page);
    // (no compound pages: never the split retry)
    k.put_page(tree_page);
    if (kpage) {
      // The pages were successfully merged: insert new node in the stable
      // tree and add both rmap_items.
      k.lock_page(kpage);
      stable_node *snode = stable_tree_insert(kpage);
      if (snode) {
        stable_tree_append(tree_item, snode, false);
        stable_tree_append(item, snode, false);
      }
      k.unlock_page(kpage);
      // If we fail to insert the page into the stable tree, we have two
      // virtual addresses pointing to a ksm page outside the stable tree:
      // break_cow on both.
      if (!snode) {
        break_cow(tree_item);
        break_cow(item);
      }
    }
  }
}

// ---- the scan

rmap_item *Ksm::get_next_rmap_item(mm_slot *slot, rmap_item **rmap_list, std::uint64_t addr) {
  while (*rmap_list) {
    rmap_item *item = *rmap_list;
    if ((item->address & PAGE_MASK) == addr)
      return item;
    if (item->address > addr)
      break;
    *rmap_list = item->rmap_list;
    remove_rmap_item_from_tree(item);
    free_rmap_item(item);
  }
  rmap_item *item = alloc_rmap_item(); // it has already been zeroed
  item->mm = slot->mm;
  item->mm->ksm_rmap_items++;
  item->address = addr;
  item->rmap_list = *rmap_list;
  *rmap_list = item;
  return item;
}

// How many scans to skip a page whose merging failed age times.
unsigned int Ksm::skip_age(rmap_age_t age) {
  if (age <= 3)
    return 1;
  if (age <= 5)
    return 2;
  if (age <= 8)
    return 4;
  return 8;
}

bool Ksm::should_skip_rmap_item(page *p, rmap_item *item) {
  if (!ksm_smart_scan)
    return false;
  // Never skip pages that are already KSM: cmp_and_merge_page mostly
  // ignores them, but they must still be processed.
  if (Kernel::PageKsm(p))
    return false;
  rmap_age_t age = item->age;
  if (age != 0xff) // U8_MAX
    item->age++;
  // Smaller ages are not skipped: they need a chance to go through the
  // phases of merging.
  if (age < 3)
    return false;
  // Still allowed to skip? If not, don't, and work out how often next.
  if (!item->remaining_skips) {
    item->remaining_skips = static_cast<rmap_age_t>(skip_age(age));
    return false;
  }
  // Skip this page
  ksm_pages_skipped++;
  item->remaining_skips--;
  remove_rmap_item_from_tree(item);
  return true;
}

rmap_item *Ksm::scan_get_next_rmap_item(page **pagep) {
  KFUNC();
  if (list_empty(&ksm_mm_head.mm_list))
    return nullptr;

  mm_slot *slot = ksm_scan.mm_slot;
  if (slot == &ksm_mm_head) {
    advisor_start_scan();
    k.trace_fmt("ksm_start_scan", "seq {} rmap size {}", static_cast<int>(ksm_scan.seqnr),
                static_cast<int>(ksm_rmap_items));
    // A newly faulted page is not on the LRU yet: its pagevec's reference
    // would make write_protect_page's page_count check refuse it.
    k.lru_add_drain_all();

    // Stale nodes moved out to migrate_nodes can accumulate: prune them
    // once before each full scan.
    if (!ksm_merge_across_nodes) {
      for (list_node *n = migrate_nodes.next, *next; n != &migrate_nodes; n = next) {
        next = n->next;
        page *p = ksm_get_folio(stable_of_list(n), KSM_GET_FOLIO_NOLOCK);
        if (p)
          k.put_page(p);
        k.cond_resched("scan_get_next_rmap_item:migrate_nodes");
      }
    }
    for (int nid = 0; nid < ksm_nr_node_ids; nid++)
      root_unstable_tree[nid] = RB_ROOT;

    slot = slot_of_list(slot->mm_list.next);
    ksm_scan.mm_slot = slot;
    k.cond_resched("scan_get_next_rmap_item:start"); // spin_unlock(&ksm_mmlist_lock)
    // A racing __ksm_exit of the last mm on the list may have removed it.
    if (slot == &ksm_mm_head)
      return nullptr;
    ksm_scan.address = 0;
    ksm_scan.rmap_list = &slot->rmap_list;
  }

  for (;;) { // next_mm:
    check_live(slot, __func__);
    mm_struct *mm = slot->mm;
    k.down_read(mm);
    vm_area_struct *vma = ksm_test_exit(mm) ? nullptr : k.find_vma(mm, ksm_scan.address);
    for (; vma; vma = vma->vm_next) {
      if (!(vma->vm_flags & VM_MERGEABLE))
        continue;
      if (ksm_scan.address < vma->vm_start)
        ksm_scan.address = vma->vm_start;
      if (!vma->anon_vma)
        ksm_scan.address = vma->vm_end;
      while (ksm_scan.address < vma->vm_end) {
        if (ksm_test_exit(mm))
          break;
        page *tmp_page = nullptr;
        folio_walk fw;
        ops.follow_page++;
        page *folio = folio_walk_start(k, &fw, vma, ksm_scan.address, 0);
        if (folio && Kernel::PageAnon(folio)) { // (no zone device pages)
          k.get_page(folio);
          tmp_page = fw.page;
        }
        if (tmp_page) {
          rmap_item *item = get_next_rmap_item(slot, ksm_scan.rmap_list, ksm_scan.address);
          ksm_scan.rmap_list = &item->rmap_list;
          if (should_skip_rmap_item(tmp_page, item)) {
            k.put_page(tmp_page);
            goto next_page;
          }
          ksm_scan.address += PAGE_SIZE;
          *pagep = tmp_page;
          k.up_read(mm);
          // not a cond_resched: the kernel can be preempted anywhere once
          // mmap_lock is dropped, before cmp_and_merge_page looks at the page
          k.cond_resched("scan_get_next_rmap_item:up_read");
          return item;
        }
      next_page:
        ksm_scan.address += PAGE_SIZE;
        k.cond_resched("scan_get_next_rmap_item:next_page");
      }
    }

    if (ksm_test_exit(mm)) { // no_vmas:
      ksm_scan.address = 0;
      ksm_scan.rmap_list = &slot->rmap_list;
    }
    // Nuke all the rmap_items that are above this current rmap: because
    // there were no VM_MERGEABLE vmas with such addresses.
    remove_trailing_rmap_items(ksm_scan.rmap_list);

    ops.mm_slots++;
    ksm_scan.mm_slot = slot_of_list(slot->mm_list.next);
    if (ksm_scan.address == 0) {
      // A full scan of all vmas found no VM_MERGEABLE (or the mm is
      // exiting): remove this mm from all our lists now, as __ksm_exit would.
      hash_del(slot);
      list_del(&slot->mm_list);
      free_mm_slot(slot);
      mm->flags &= ~(MMF_VM_MERGEABLE | MMF_VM_MERGE_ANY);
      k.up_read(mm);
      k.mmdrop(mm);
    } else {
      k.up_read(mm);
    }
    k.cond_resched("scan_get_next_rmap_item:next_mm"); // spin_unlock(&ksm_mmlist_lock)

    // Repeat until we've completed scanning the whole list
    slot = ksm_scan.mm_slot;
    if (slot == &ksm_mm_head)
      break;
    ksm_scan.address = 0;
    ksm_scan.rmap_list = &slot->rmap_list;
  }

  advisor_stop_scan();
  k.trace_fmt("ksm_stop_scan", "seq {} rmap size {}", static_cast<int>(ksm_scan.seqnr),
              static_cast<int>(ksm_rmap_items));
  ksm_scan.seqnr++;
  ops.full_scans++;
  return nullptr;
}

void Ksm::ksm_do_scan(unsigned int scan_npages) {
  entered(); // KsmProfile::entries
  KFUNC();
  while (scan_npages--) { // (no freezer)
    k.cond_resched("ksm_do_scan:cond_resched");
    ops.cond_rescheds++;
    page *p = nullptr;
    rmap_item *item = scan_get_next_rmap_item(&p);
    if (!item)
      return;
    cmp_and_merge_page(p, item);
    k.put_page(p);
    ksm_pages_scanned++;
    ops.pages_scanned++;
    if (after_page_scanned)
      after_page_scanned();
  }
}

bool Ksm::ksmd_should_run() const {
  return (ksm_run & KSM_RUN_MERGE) && !list_empty(&ksm_mm_head.mm_list);
}

// ---- the advisor

// HZ 250 (Debian's and the live kernel's CONFIG_HZ), from virtual time.
unsigned long Ksm::jiffies() const {
  return static_cast<unsigned long>(k.now_us / 4000);
}
unsigned long Ksm::msecs_to_jiffies(unsigned int m) {
  return (static_cast<unsigned long>(m) + 3) / 4;
}

std::uint64_t Ksm::ktime_get_ns() const {
  return k.now_us * 1000;
}

void Ksm::advisor_start_scan() {
  if (ksm_advisor == KSM_ADVISOR_SCAN_TIME)
    advisor_ctx.start_scan = ktime_get_ns();
}

namespace {
constexpr unsigned long EWMA_WEIGHT = 30;
constexpr unsigned long KSM_ADVISOR_MIN_CPU = 10;
unsigned long ewma(unsigned long prev, unsigned long curr) {
  return ((100 - EWMA_WEIGHT) * prev + EWMA_WEIGHT * curr) / 100;
}
} // namespace

// new pages_to_scan = pages_to_scan * (scan_time / target_scan_time), times
// an EWMA change factor, capped by the CPU share and the min/max limits.
void Ksm::scan_time_advisor() {
  // Convert scan time to seconds
  unsigned long scan_time =
      static_cast<unsigned long>((ktime_get_ns() - advisor_ctx.start_scan) / 1000000) / 1000;
  scan_time = scan_time ? scan_time : 1;

  // CPU consumption of ksmd: task_sched_runtime (the cost model's, or 0)
  unsigned long long cpu_time = ksmd_runtime_ns ? ksmd_runtime_ns() : 0;
  unsigned long cpu_time_diff = static_cast<unsigned long>(cpu_time - advisor_ctx.cpu_time);
  unsigned long cpu_time_diff_ms = cpu_time_diff / 1000 / 1000;

  unsigned int cpu_percent = static_cast<unsigned>((cpu_time_diff_ms * 100) / (scan_time * 1000));
  cpu_percent = cpu_percent ? cpu_percent : 1;
  unsigned long last_scan_time = advisor_ctx.scan_time ? advisor_ctx.scan_time : scan_time;

  // Scan time as percentage of target scan time
  unsigned long factor = ksm_advisor_target_scan_time * 100 / scan_time;
  factor = factor ? factor : 1;

  // Scan time as percentage of last scan time, smoothed
  unsigned long change = scan_time * 100 / last_scan_time;
  change = change ? change : 1;
  change = ewma(advisor_ctx.change, change);

  // New scan rate based on target scan rate, by the weighted change.
  unsigned long pages = ksm_thread_pages_to_scan * 100 / factor;
  pages = pages * change / 100;

  // Cap new pages_to_scan value
  unsigned long per_page_cost = ksm_thread_pages_to_scan / cpu_percent;
  per_page_cost = per_page_cost ? per_page_cost : 1;

  pages = std::min(pages, per_page_cost * ksm_advisor_max_cpu);
  pages = std::max(pages, per_page_cost * KSM_ADVISOR_MIN_CPU);
  pages = std::min(pages, ksm_advisor_max_pages_to_scan);

  advisor_ctx.change = change;
  advisor_ctx.scan_time = scan_time;
  advisor_ctx.cpu_time = cpu_time;

  ksm_thread_pages_to_scan = static_cast<unsigned int>(pages);
  k.trace_fmt("ksm_advisor", "ksm scan time {} pages_to_scan {} cpu percent {}",
              static_cast<long long>(scan_time), pages, cpu_percent);
}

void Ksm::advisor_stop_scan() {
  if (ksm_advisor == KSM_ADVISOR_SCAN_TIME)
    scan_time_advisor();
}

// ---- madvise, prctl, enter and exit

void Ksm::__ksm_add_vma(vm_area_struct *vma) {
  if (vma->vm_flags & VM_MERGEABLE)
    return;
  if (vma_ksm_compatible(vma))
    vma->vm_flags |= VM_MERGEABLE; // vm_flags_set
}

int Ksm::__ksm_del_vma(vm_area_struct *vma) {
  if (!(vma->vm_flags & VM_MERGEABLE))
    return 0;
  if (vma->anon_vma) {
    int err = unmerge_ksm_pages(vma, vma->vm_start, vma->vm_end, true);
    if (err)
      return err;
  }
  vma->vm_flags &= ~std::uint64_t(VM_MERGEABLE); // vm_flags_clear
  return 0;
}

void Ksm::ksm_add_vma(vm_area_struct *vma) {
  if (vma->vm_mm->flags & MMF_VM_MERGE_ANY) {
    entered(); // KsmProfile::entries: only here, as mmap calls this for every vma
    __ksm_add_vma(vma);
  }
}

void Ksm::ksm_add_vmas(mm_struct *mm) {
  for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next)
    __ksm_add_vma(vma);
}

int Ksm::ksm_del_vmas(mm_struct *mm) {
  for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
    int err = __ksm_del_vma(vma);
    if (err)
      return err;
  }
  return 0;
}

int Ksm::ksm_enable_merge_any(mm_struct *mm) {
  KFUNC();
  if (mm->flags & MMF_VM_MERGE_ANY)
    return 0;
  if (!(mm->flags & MMF_VM_MERGEABLE)) {
    int err = __ksm_enter(mm);
    if (err)
      return err;
  }
  mm->flags |= MMF_VM_MERGE_ANY;
  ksm_add_vmas(mm);
  return 0;
}

// Unmerges as MADV_UNMERGEABLE would; if that fails, merging stays on.
int Ksm::ksm_disable_merge_any(mm_struct *mm) {
  KFUNC();
  if (!(mm->flags & MMF_VM_MERGE_ANY))
    return 0;
  int err = ksm_del_vmas(mm);
  if (err) {
    ksm_add_vmas(mm);
    return err;
  }
  mm->flags &= ~MMF_VM_MERGE_ANY;
  return 0;
}

int Ksm::ksm_disable(mm_struct *mm) {
  if (!(mm->flags & MMF_VM_MERGEABLE))
    return 0;
  if (mm->flags & MMF_VM_MERGE_ANY)
    return ksm_disable_merge_any(mm);
  return ksm_del_vmas(mm);
}

long Ksm::prctl_memory_merge(mm_struct *mm, int option, unsigned long arg) {
  entered(); // KsmProfile::entries
  return k.prctl_memory_merge_cases(
      mm, option, arg, [this](mm_struct *m) { return ksm_enable_merge_any(m); },
      [this](mm_struct *m) { return ksm_disable_merge_any(m); });
}

int Ksm::ksm_madvise(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, int advice,
                     std::uint64_t *vm_flags) {
  KFUNC();
  mm_struct *mm = vma->vm_mm;
  switch (advice) {
  case MADV_MERGEABLE:
    if (vma->vm_flags & VM_MERGEABLE)
      return 0;
    if (!vma_ksm_compatible(vma))
      return 0;
    if (!(mm->flags & MMF_VM_MERGEABLE)) {
      int err = __ksm_enter(mm);
      if (err)
        return err;
    }
    *vm_flags |= VM_MERGEABLE;
    break;
  case MADV_UNMERGEABLE:
    entered(); // KsmProfile::entries (MADV_MERGEABLE does not count: see __ksm_enter)
    if (!(*vm_flags & VM_MERGEABLE))
      return 0; // just ignore the advice
    if (vma->anon_vma) {
      int err = unmerge_ksm_pages(vma, start, end, true);
      if (err)
        return err;
    }
    *vm_flags &= ~std::uint64_t(VM_MERGEABLE);
    break;
  }
  return 0;
}

int Ksm::__ksm_enter(mm_struct *mm) {
  // Not counted in KsmProfile::entries: it adds an mm_slot with no
  // rmap_items, which no KSM check can find wrong.
  KFUNC();
  mm_slot *slot = alloc_mm_slot();
  // Check ksm_run too?  Would need tighter locking
  bool needs_wakeup = list_empty(&ksm_mm_head.mm_list);
  insert_to_mm_slots_hash(mm, slot);
  // When KSM_RUN_MERGE (or STOP), insert just behind the scanning cursor,
  // to let the area settle down a little; when KSM_RUN_UNMERGE, insert at
  // the end, ahead of the unmerge cursor.
  if (ksm_run & KSM_RUN_UNMERGE)
    list_add_tail(&slot->mm_list, &ksm_mm_head.mm_list);
  else
    list_add_tail(&slot->mm_list, &ksm_scan.mm_slot->mm_list);
  k.cond_resched("__ksm_enter:unlock"); // spin_unlock(&ksm_mmlist_lock)
  mm->flags |= MMF_VM_MERGEABLE;
  mm->mm_count++; // mmgrab
  if (needs_wakeup)
    wake_pending = true; // wake_up_interruptible(&ksm_thread_wait)
  k.trace_fmt("ksm_enter", "mm {}", ptr(HandleKind::mm, mm->id));
  return 0;
}

void Ksm::__ksm_exit(mm_struct *mm) {
  entered(); // KsmProfile::entries
  KFUNC();
  bool easy_to_free = false;
  // If it's straightforward, free the mm_slot at once; if it's at the
  // cursor or has rmap_items, leave it on the list for ksmd to free.
  mm_slot *slot = get_mm_slot(mm);
  if (slot && ksm_scan.mm_slot != slot) {
    if (!slot->rmap_list) {
      hash_del(slot);
      list_del(&slot->mm_list);
      easy_to_free = true;
    } else {
      list_move(&slot->mm_list, &ksm_scan.mm_slot->mm_list);
    }
  }
  k.cond_resched("__ksm_exit:unlock"); // spin_unlock(&ksm_mmlist_lock)
  if (easy_to_free) {
    free_mm_slot(slot);
    mm->flags &= ~(MMF_VM_MERGE_ANY | MMF_VM_MERGEABLE);
    k.mmdrop(mm);
  } else if (slot) {
    k.down_write(mm); // serialise with any break_cow before pagetables are freed
    k.up_write(mm);
  }
  k.trace_fmt("ksm_exit", "mm {}", ptr(HandleKind::mm, mm->id));
}

// include/linux/ksm.h: adding the mm to ksm is best effort on fork (void in
// 6.x: 0 here). dup_mm copied the parent's KSM figures; since 'mm/ksm: Fix
// incorrect KSM counter handling in mm_struct during fork' (2025, in the
// live 6.18) a child entered here starts with none merged and no rmap_items,
// and its inherited KSM zero ptes join the global count.
int Ksm::ksm_fork(mm_struct *mm, mm_struct *oldmm) {
  entered(); // KsmProfile::entries
  if (oldmm->flags & MMF_VM_MERGEABLE) {
    if (fork_counter_fix) {
      long nr_ksm_zero_pages = static_cast<long>(mm->ksm_zero_pages);
      mm->ksm_merging_pages = 0;
      mm->ksm_rmap_items = 0;
      ksm_zero_pages += nr_ksm_zero_pages;
    }
    __ksm_enter(mm);
  }
  return 0;
}

void Ksm::ksm_exit(mm_struct *mm) {
  entered(); // KsmProfile::entries
  if (mm->flags & MMF_VM_MERGEABLE)
    __ksm_exit(mm);
}

void Ksm::ksm_might_unmap_zero_page(mm_struct *mm, pte_t pte) {
  if (is_ksm_zero_pte(pte)) {
    entered(); // KsmProfile::entries: only here, as every zero pte's zap calls this
    ksm_zero_pages--;
    mm->ksm_zero_pages--;
  }
}

// A KSM page faulted in after unmerging, or an anon page of another
// anon_vma or index, is copied; a !PageUptodate one never is.
page *Ksm::ksm_might_need_to_copy(page *p, vm_area_struct *vma, std::uint64_t address) {
  entered(); // KsmProfile::entries
  KFUNC();
  struct anon_vma *av = k.page_anon_vma(p);
  if (Kernel::PageKsm(p)) {
    if (folio_stable_node(p) && !(ksm_run & KSM_RUN_UNMERGE))
      return p; // no need to copy it
  } else if (!av) {
    return p; // no need to copy it
  } else if (p->index == linear_page_index(vma, address) && av->root == vma->anon_vma->root) {
    return p; // still no need to copy it
  }
  if (!Kernel::PageUptodate(p))
    return p; // let do_swap_page report the error
  return ksm_does_need_to_copy(p, vma, address);
}

// The copying half of 6.x ksm_might_need_to_copy (no memcg charge, no
// hardware poison in the simulation).
page *Ksm::ksm_does_need_to_copy(page *p, vm_area_struct *vma, std::uint64_t address) {
  page *new_page = k.alloc_page_vma(vma, address);
  if (new_page) {
    k.copy_user_highpage(new_page, p);
    new_page->flags |= PG_dirty | PG_uptodate | PG_swapbacked | PG_locked;
    k.trace_fmt("ksmsim_ksm_copy", "pfn {} -> pfn {}", k.page_to_pfn(p), k.page_to_pfn(new_page));
  }
  return new_page;
}

int Ksm::rmap_walk_ksm(
    page *p, const std::function<int(page *, vm_area_struct *, std::uint64_t)> &rmap_one) {
  entered(); // KsmProfile::entries
  KFUNC();
  int ret = SWAP_AGAIN;
  VM_BUG_ON(!Kernel::PageKsm(p));
  VM_BUG_ON(!Kernel::PageLocked(p));
  stable_node *node = folio_stable_node(p);
  if (!node)
    return ret;
  check_live(node, __func__);
  // Initially examine only the vma which covers each rmap_item; then, if
  // there is still work to do, covering vmas in other mms (forked since).
  for (int search_new_forks = 0; search_new_forks < 2; search_new_forks++) {
    for (list_node *n = node->hlist.next; n != &node->hlist; n = n->next) {
      rmap_item *item = rmap_of_hlist(n);
      check_live(item, __func__);
      struct anon_vma *av = item->anon_vma;
      if (av->freed)
        use_after_free(__func__, fmt::format("anon_vma {}", av->id));
      std::vector<vm_area_struct *> vmas = av->vmas;
      for (vm_area_struct *vma : vmas) {
        std::uint64_t addr = item->address & PAGE_MASK; // ignore the flags
        if (addr < vma->vm_start || addr >= vma->vm_end)
          continue;
        if ((item->mm == vma->vm_mm) == bool(search_new_forks))
          continue;
        ret = rmap_one(p, vma, addr);
        if (ret != SWAP_AGAIN)
          return ret;
      }
    }
  }
  return ret;
}

// 6.x has no try_to_unmap_ksm (try_to_unmap walks with rmap_walk_ksm and
// stops once the folio is unmapped): the same walk, as v3.9's.
int Ksm::try_to_unmap_ksm(page *p, unsigned flags) {
  entered(); // KsmProfile::entries
  KFUNC();
  VM_BUG_ON(!Kernel::PageKsm(p));
  VM_BUG_ON(!Kernel::PageLocked(p));
  stable_node *node = folio_stable_node(p);
  if (!node)
    return SWAP_FAIL;
  check_live(node, __func__);
  int ret = SWAP_AGAIN;
  for (int search_new_forks = 0; search_new_forks < 2; search_new_forks++) {
    for (list_node *n = node->hlist.next; n != &node->hlist; n = n->next) {
      rmap_item *item = rmap_of_hlist(n);
      check_live(item, __func__);
      struct anon_vma *av = item->anon_vma;
      if (av->freed)
        use_after_free(__func__, fmt::format("anon_vma {}", av->id));
      std::vector<vm_area_struct *> vmas = av->vmas;
      for (vm_area_struct *vma : vmas) {
        std::uint64_t addr = item->address & PAGE_MASK;
        if (addr < vma->vm_start || addr >= vma->vm_end)
          continue;
        if ((item->mm == vma->vm_mm) == bool(search_new_forks))
          continue;
        ret = k.try_to_unmap_one(p, vma, addr, static_cast<TtuFlags>(flags));
        if (ret != SWAP_AGAIN || !Kernel::page_mapped(p))
          return ret;
      }
    }
  }
  return ret;
}

// folio_migrate_ksm
void Ksm::ksm_migrate_page(page *newpage, page *oldpage) {
  entered(); // KsmProfile::entries
  KFUNC();
  VM_BUG_ON(!Kernel::PageLocked(oldpage));
  VM_BUG_ON(!Kernel::PageLocked(newpage));
  VM_BUG_ON(newpage->mapping != oldpage->mapping);
  stable_node *node = folio_stable_node(oldpage);
  if (node) {
    check_live(node, __func__);
    VM_BUG_ON(node->kpfn != k.page_to_pfn(oldpage));
    node->kpfn = k.page_to_pfn(newpage);
    folio_set_stable_node(oldpage, nullptr);
  }
}

} // namespace ksmsim::v6_15
