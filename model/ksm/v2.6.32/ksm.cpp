// SPDX-License-Identifier: GPL-2.0-only
//
// The port of the 2.6.32 seed's mm/ksm.c, function by function (the sysfs
// files are in ksm_sysfs.cpp). Where the simulation differs, a comment
// says so here and docs/port-map-2.6.32.md has a row.
#include "model/ksm/v2.6.32/ksm.h"

#include <cerrno>

#include "model/lib/list.h"
#include "model/lib/oops.h"
#include "model/lib/rbtree_ops.h"
#include "model/mm/kernel.h"

namespace ksmsim::v2_6_32 {

namespace {
constexpr std::size_t RMAP_QUARANTINE = 4096;
}

Ksm::Ksm(Kernel &kernel) : k(kernel) {
  INIT_LIST_HEAD(&ksm_mm_head.mm_list);
  INIT_LIST_HEAD(&ksm_mm_head.rmap_list);
  ksm_scan.mm_slot = &ksm_mm_head;
}

Ksm::~Ksm() = default;

// ------------------------------------------------------------ allocation

rmap_item *Ksm::alloc_rmap_item() {
  rmap_item *item;
  std::uint32_t id;
  if (rmap_quarantine_.size() > RMAP_QUARANTINE) {
    item = rmap_quarantine_.front();
    rmap_quarantine_.pop_front();
    id = item->id;
  } else {
    item = &rmap_items_.emplace_back();
    id = next_rmap_id_++;
  }
  *item = rmap_item{}; // kmem_cache_zalloc
  item->id = id;
  nr_rmap_items_++;
  return item;
}

void Ksm::free_rmap_item(rmap_item *item) {
  nr_rmap_items_--;
  item->mm = nullptr; // debug safety
  rmap_quarantine_.push_back(item);
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

// mm_slots_hash: a search of the live slots (the hash bucket's order does
// not reach any output).
mm_slot *Ksm::get_mm_slot(mm_struct *mm) {
  for (const auto &slot : mm_slots_)
    if (!slot->freed && slot->mm == mm)
      return slot.get();
  return nullptr;
}

void Ksm::insert_to_mm_slots_hash(mm_struct *mm, mm_slot *slot) {
  slot->mm = mm;
  INIT_LIST_HEAD(&slot->rmap_list);
}

// ----------------------------------------------------------- the port

void Ksm::break_ksm(vm_area_struct *vma, std::uint64_t addr) {
  KFUNC();
  int ret;
  int tries = 0;
  do {
    // Not the kernel's: it loops for ever while the fault is VM_FAULT_OOM;
    // the simulator reports that (fault-no-progress) and stops after 1000.
    if (++tries > 1000) {
      detector_report(__func__, "fault-no-progress",
                      "ksmsim: break_ksm loops on VM_FAULT_OOM (the seed never leaves the loop)");
      break;
    }
    k.cond_resched("break_ksm:cond_resched");
    page *p = k.follow_page(vma, addr, FOLL_GET);
    if (!p)
      break;
    if (Kernel::PageKsm(p))
      ret = k.handle_mm_fault(vma->vm_mm, vma, addr, FAULT_FLAG_WRITE);
    else
      ret = VM_FAULT_WRITE;
    k.put_page(p);
  } while (!(ret & (VM_FAULT_WRITE | VM_FAULT_SIGBUS)));
  // Which leaves us looping there if VM_FAULT_OOM: hmmm...
}

void Ksm::__break_cow(mm_struct *mm, std::uint64_t addr) {
  vm_area_struct *vma = k.find_vma(mm, addr);
  if (!vma || vma->vm_start > addr)
    return;
  if (!(vma->vm_flags & VM_MERGEABLE) || !vma->anon_vma)
    return;
  break_ksm(vma, addr);
}

void Ksm::break_cow(mm_struct *mm, std::uint64_t addr) {
  KFUNC();
  k.down_read(mm);
  __break_cow(mm, addr);
  k.up_read(mm);
}

page *Ksm::get_mergeable_page(rmap_item *item) {
  KFUNC();
  mm_struct *mm = item->mm;
  std::uint64_t addr = item->address;
  page *p = nullptr;
  k.down_read(mm);
  vm_area_struct *vma = k.find_vma(mm, addr);
  if (vma && vma->vm_start <= addr && (vma->vm_flags & VM_MERGEABLE) && vma->anon_vma) {
    p = k.follow_page(vma, addr, FOLL_GET);
    if (p && !Kernel::PageAnon(p)) {
      k.put_page(p);
      p = nullptr;
    }
  }
  k.up_read(mm);
  return p;
}

// get_ksm_page: checks if the page at the virtual address in rmap_item is
// still PageKsm, in which case we can trust the content of the page, and
// it returns the gotten page; but NULL if the page has been zapped.
page *Ksm::get_ksm_page(rmap_item *item) {
  page *p = get_mergeable_page(item);
  if (p && !Kernel::PageKsm(p)) {
    k.put_page(p);
    p = nullptr;
  }
  return p;
}

void Ksm::remove_rmap_item_from_tree(rmap_item *item) {
  KFUNC();
  if (in_stable_tree(item)) {
    rmap_item *next_item = item->next;
    if (item->address & NODE_FLAG) {
      if (next_item) {
        rb_replace_node(&item->node, &next_item->node, &root_stable_tree);
        next_item->address |= NODE_FLAG;
      } else {
        rb_erase(&item->node, &root_stable_tree);
        ksm_pages_shared--;
      }
    } else {
      rmap_item *prev_item = item->prev;
      BUG_ON(prev_item->next != item);
      prev_item->next = next_item;
      if (next_item) {
        BUG_ON(next_item->prev != item);
        next_item->prev = item->prev;
      }
    }
    item->next = nullptr;
    ksm_pages_sharing--;
  } else if (item->address & NODE_FLAG) {
    // ksm_thread can and must skip the rb_erase, because root_unstable_tree
    // was already reset to RB_ROOT. But __ksm_exit has to be careful: do the
    // rb_erase if it's interrupting a scan, and this rmap_item was inserted
    // by this scan rather than left from before.
    unsigned char age = static_cast<unsigned char>(ksm_scan.seqnr - item->address);
    BUG_ON(age > 2);
    if (!age)
      rb_erase(&item->node, &root_unstable_tree);
  }
  item->address &= PAGE_MASK;
  k.cond_resched("remove_rmap_item_from_tree:cond_resched");
}

void Ksm::remove_all_slot_rmap_items(mm_slot *slot) {
  for (list_node *l = slot->rmap_list.next, *n = l->next; l != &slot->rmap_list;
       l = n, n = l->next) {
    rmap_item *item = rmap_of_link(l);
    remove_rmap_item_from_tree(item);
    list_del(&item->link);
    free_rmap_item(item);
  }
}

void Ksm::remove_trailing_rmap_items(mm_slot *slot, list_node *cur) {
  while (cur != &slot->rmap_list) {
    rmap_item *item = rmap_of_link(cur);
    cur = cur->next;
    remove_rmap_item_from_tree(item);
    list_del(&item->link);
    free_rmap_item(item);
  }
}

void Ksm::unmerge_ksm_pages(vm_area_struct *vma, std::uint64_t start, std::uint64_t end) {
  for (std::uint64_t addr = start; addr < end; addr += PAGE_SIZE)
    break_ksm(vma, addr);
}

void Ksm::unmerge_and_remove_all_rmap_items() {
  KFUNC();
  for (list_node *l = ksm_mm_head.mm_list.next; l != &ksm_mm_head.mm_list; l = l->next) {
    mm_slot *slot = slot_of_list(l);
    mm_struct *mm = slot->mm;
    k.down_read(mm);
    for (vm_area_struct *vma = mm->mmap; vma; vma = vma->vm_next) {
      if (!(vma->vm_flags & VM_MERGEABLE) || !vma->anon_vma)
        continue;
      unmerge_ksm_pages(vma, vma->vm_start, vma->vm_end);
    }
    remove_all_slot_rmap_items(slot);
    k.up_read(mm);
  }
  if (ksm_scan.mm_slot != &ksm_mm_head) { // spin_lock(&ksm_mmlist_lock)
    ksm_scan.mm_slot = &ksm_mm_head;
    ksm_scan.seqnr++;
  }
}

void Ksm::remove_mm_from_lists(mm_struct *mm) {
  KFUNC();
  mm_slot *slot = get_mm_slot(mm); // spin_lock(&ksm_mmlist_lock)
  // This mm_slot is always at the scanning cursor when we're called from
  // scan_get_next_rmap_item; but it's a special case when we're called
  // from __ksm_exit.
  if (ksm_scan.mm_slot == slot) {
    ksm_scan.mm_slot = slot_of_list(slot->mm_list.next);
    ksm_scan.address = 0;
    ksm_scan.rmap_item_ = rmap_of_link(&ksm_scan.mm_slot->rmap_list);
    if (ksm_scan.mm_slot == &ksm_mm_head)
      ksm_scan.seqnr++;
  }
  slot->mm = nullptr; // hlist_del(&mm_slot->link)
  list_del(&slot->mm_list);
  k.cond_resched("remove_mm_from_lists:unlock"); // spin_unlock(&ksm_mmlist_lock)
  remove_all_slot_rmap_items(slot);
  free_mm_slot(slot);
  mm->flags &= ~MMF_VM_MERGEABLE;
}

std::uint32_t Ksm::calc_checksum(page *p) {
  return k.contents.checksum(p->content); // jhash2(addr, PAGE_SIZE / 4, 17)
}

int Ksm::memcmp_pages(page *a, page *b) {
  return k.contents.compare(a->content, b->content);
}

int Ksm::write_protect_page(vm_area_struct *vma, page *p, pte_t *orig_pte) {
  KFUNC();
  mm_struct *mm = vma->vm_mm;
  int err = -EFAULT;
  std::uint64_t addr = k.page_address_in_vma(p, vma);
  if (addr == static_cast<std::uint64_t>(-EFAULT))
    return err;
  pte_t *ptep = k.page_check_address(p, mm, addr);
  if (!ptep)
    return err;
  if (pte_write(*ptep)) {
    int swapped = Kernel::PageSwapCache(p);
    pte_t entry = *ptep; // ptep_clear_flush
    k.set_pte(ptep, pte_t{});
    // Check that no O_DIRECT or similar I/O is in progress on the page
    if (Kernel::page_mapcount(p) + 2 + swapped != Kernel::page_count(p)) {
      k.set_pte(ptep, entry); // set_pte_at_notify
      return err;
    }
    // pte_wrprotect only: the dirty bit stays in the pte
    k.set_pte(ptep, pte_wrprotect(entry));
  }
  *orig_pte = *ptep;
  return 0;
}

// include/linux/ksm.h (2.6.32 seed): "we have to avoid the checking which
// page_add_anon_rmap() performs". The seed's PageKsm is mapping ==
// PAGE_MAPPING_ANON with a NULL anon_vma; here the MMU's one PageKsm test
// (PAGE_MAPPING_ANON | PAGE_MAPPING_KSM) is kept, with no pointer beside
// the flags.
void Ksm::page_add_ksm_rmap(page *p) {
  if (k.touch) // the incremental invariant check (model/check/touch_log.h)
    k.touch->mapcount_before(k.page_to_pfn(p), Kernel::page_mapcount(p));
  if (++p->_mapcount == 0)
    p->mapping = PAGE_MAPPING_ANON | PAGE_MAPPING_KSM;
}

int Ksm::replace_page(vm_area_struct *vma, page *oldpage, page *newpage, pte_t orig_pte) {
  KFUNC();
  mm_struct *mm = vma->vm_mm;
  std::uint64_t addr = k.page_address_in_vma(oldpage, vma);
  if (addr == static_cast<std::uint64_t>(-EFAULT))
    return -EFAULT;
  if (!k.mm_find_pmd(mm, addr)) // pgd, pud, pmd present
    return -EFAULT;
  pte_t *ptep = k.pte_offset(mm, addr, false);
  if (!pte_same(*ptep, orig_pte))
    return -EFAULT;
  k.get_page(newpage);
  page_add_ksm_rmap(newpage);
  k.set_pte(ptep, pte_t{}); // ptep_clear_flush
  // mk_pte(newpage, prot) with prot = vm_get_page_prot(vm_flags & ~VM_WRITE)
  k.set_pte(ptep, pfn_pte(k.page_to_pfn(newpage)));
  k.page_remove_rmap(oldpage);
  k.put_page(oldpage);
  return 0;
}

int Ksm::try_to_merge_one_page(vm_area_struct *vma, page *oldpage, page *newpage) {
  KFUNC();
  pte_t orig_pte{};
  int err = -EFAULT;
  if (!(vma->vm_flags & VM_MERGEABLE))
    return err;
  if (!Kernel::PageAnon(oldpage))
    return err;
  k.get_page(newpage);
  k.get_page(oldpage);
  // We need the page lock to read a stable PageSwapCache in
  // write_protect_page(); trylock_page, so as not to wait here.
  if (k.trylock_page(oldpage)) {
    if (write_protect_page(vma, oldpage, &orig_pte)) {
      k.unlock_page(oldpage);
    } else {
      k.unlock_page(oldpage);
      if (pages_identical(oldpage, newpage))
        err = replace_page(vma, oldpage, newpage, orig_pte);
    }
  }
  k.put_page(oldpage); // out_putpage
  k.put_page(newpage);
  return err;
}

int Ksm::try_to_merge_two_pages(mm_struct *mm1, std::uint64_t addr1, page *page1, mm_struct *mm2,
                                std::uint64_t addr2, page *page2) {
  KFUNC();
  int err = -EFAULT;
  // The number of nodes in the stable tree is the number of kernel pages
  // that we hold.
  if (ksm_max_kernel_pages && ksm_max_kernel_pages <= ksm_pages_shared)
    return err;
  // alloc_page(GFP_HIGHUSER): from ksmd's node (node 0's zonelist). The
  // page never goes on an LRU list: reclaim and migration, which isolate
  // from the LRU, never see it (KSM pages are unswappable in this release).
  page *kpage = k.__alloc_pages_nodemask(0, -1);
  if (!kpage)
    return err;
  k.down_read(mm1);
  vm_area_struct *vma = k.find_vma(mm1, addr1);
  if (!vma || vma->vm_start > addr1) {
    k.put_page(kpage);
    k.up_read(mm1);
    return err;
  }
  k.copy_user_highpage(kpage, page1);
  kpage->flags |= PG_uptodate; // __SetPageUptodate in copy-on-write's allocations
  err = try_to_merge_one_page(vma, page1, kpage);
  k.up_read(mm1);
  if (!err) {
    k.down_read(mm2);
    vma = k.find_vma(mm2, addr2);
    if (!vma || vma->vm_start > addr2) {
      k.put_page(kpage);
      k.up_read(mm2);
      break_cow(mm1, addr1);
      return -EFAULT;
    }
    err = try_to_merge_one_page(vma, page2, kpage);
    k.up_read(mm2);
    // If the second try_to_merge_one_page failed, we have a ksm page with
    // just one pte pointing to it, so break it.
    if (err)
      break_cow(mm1, addr1);
    else
      ksm_pages_sharing += 2;
  }
  k.put_page(kpage);
  return err;
}

int Ksm::try_to_merge_with_ksm_page(mm_struct *mm1, std::uint64_t addr1, page *page1, page *kpage) {
  KFUNC();
  int err = -EFAULT;
  k.down_read(mm1);
  vm_area_struct *vma = k.find_vma(mm1, addr1);
  if (!vma || vma->vm_start > addr1) {
    k.up_read(mm1);
    return err;
  }
  err = try_to_merge_one_page(vma, page1, kpage);
  k.up_read(mm1);
  if (!err)
    ksm_pages_sharing++;
  return err;
}

rmap_item *Ksm::stable_tree_search(page *p, page **page2, rmap_item *) {
  KFUNC();
  rb_node *node = root_stable_tree.rb_node;
  rb_path_bound bound(__func__);
  while (node) {
    bound.step();
    rmap_item *tree_rmap_item = rmap_of_node(node);
    while (tree_rmap_item) {
      BUG_ON(!in_stable_tree(tree_rmap_item));
      k.cond_resched("stable_tree_search:cond_resched");
      page2[0] = get_ksm_page(tree_rmap_item);
      if (page2[0])
        break;
      rmap_item *next_rmap_item = tree_rmap_item->next;
      remove_rmap_item_from_tree(tree_rmap_item);
      tree_rmap_item = next_rmap_item;
    }
    if (!tree_rmap_item)
      return nullptr;
    int ret = memcmp_pages(p, page2[0]);
    if (ret < 0) {
      k.put_page(page2[0]);
      node = node->rb_left;
    } else if (ret > 0) {
      k.put_page(page2[0]);
      node = node->rb_right;
    } else {
      return tree_rmap_item;
    }
  }
  return nullptr;
}

rmap_item *Ksm::stable_tree_insert(page *p, rmap_item *item) {
  KFUNC();
  rb_node **new_ = &root_stable_tree.rb_node;
  rb_node *parent = nullptr;
  rb_path_bound bound(__func__);
  while (*new_) {
    bound.step();
    rmap_item *tree_rmap_item = rmap_of_node(*new_);
    page *tree_page = nullptr;
    while (tree_rmap_item) {
      BUG_ON(!in_stable_tree(tree_rmap_item));
      k.cond_resched("stable_tree_insert:cond_resched");
      tree_page = get_ksm_page(tree_rmap_item);
      if (tree_page)
        break;
      rmap_item *next_rmap_item = tree_rmap_item->next;
      remove_rmap_item_from_tree(tree_rmap_item);
      tree_rmap_item = next_rmap_item;
    }
    if (!tree_rmap_item)
      return nullptr;
    int ret = memcmp_pages(p, tree_page);
    k.put_page(tree_page);
    parent = *new_;
    if (ret < 0)
      new_ = &parent->rb_left;
    else if (ret > 0)
      new_ = &parent->rb_right;
    else
      // It is not a bug that stable_tree_search() didn't find this node:
      // because at that time our page was not yet write-protected.
      return nullptr;
  }
  ksm_pages_shared++;
  item->address |= NODE_FLAG | STABLE_FLAG;
  item->next = nullptr;
  rb_link_node(&item->node, parent, new_);
  rb_insert_color(&item->node, &root_stable_tree);
  return item;
}

rmap_item *Ksm::unstable_tree_search_insert(page *p, page **page2, rmap_item *item) {
  KFUNC();
  rb_node **new_ = &root_unstable_tree.rb_node;
  rb_node *parent = nullptr;
  rb_path_bound bound(__func__);
  while (*new_) {
    bound.step();
    rmap_item *tree_rmap_item = rmap_of_node(*new_);
    page2[0] = get_mergeable_page(tree_rmap_item);
    if (!page2[0])
      return nullptr;
    // Don't substitute an unswappable ksm page just for one good swappable
    // forked page.
    if (p == page2[0]) {
      k.put_page(page2[0]);
      return nullptr;
    }
    int ret = memcmp_pages(p, page2[0]);
    parent = *new_;
    if (ret < 0) {
      k.put_page(page2[0]);
      new_ = &parent->rb_left;
    } else if (ret > 0) {
      k.put_page(page2[0]);
      new_ = &parent->rb_right;
    } else {
      return tree_rmap_item;
    }
  }
  item->address |= NODE_FLAG;
  item->address |= (ksm_scan.seqnr & SEQNR_MASK);
  rb_link_node(&item->node, parent, new_);
  rb_insert_color(&item->node, &root_unstable_tree);
  return nullptr;
}

void Ksm::stable_tree_append(rmap_item *item, rmap_item *tree_item) {
  item->next = tree_item->next;
  item->prev = tree_item;
  if (tree_item->next)
    tree_item->next->prev = item;
  tree_item->next = item;
  item->address |= STABLE_FLAG;
}

void Ksm::cmp_and_merge_page(page *p, rmap_item *item) {
  KFUNC();
  page *page2[1];
  int err;
  if (in_stable_tree(item))
    remove_rmap_item_from_tree(item);
  // We first start with searching the page inside the stable tree
  rmap_item *tree_rmap_item = stable_tree_search(p, page2, item);
  if (tree_rmap_item) {
    if (p == page2[0]) { // forked
      ksm_pages_sharing++;
      err = 0;
    } else {
      err = try_to_merge_with_ksm_page(item->mm, item->address, p, page2[0]);
    }
    k.put_page(page2[0]);
    if (!err)
      stable_tree_append(item, tree_rmap_item);
    return;
  }
  // A ksm page might have got here by fork, but its other references have
  // already been removed from the stable tree.
  if (Kernel::PageKsm(p))
    break_cow(item->mm, item->address);
  // A page whose checksum changed since the last scan is not inserted.
  unsigned int checksum = calc_checksum(p);
  if (item->oldchecksum != checksum) {
    item->oldchecksum = checksum;
    return;
  }
  tree_rmap_item = unstable_tree_search_insert(p, page2, item);
  if (tree_rmap_item) {
    err = try_to_merge_two_pages(item->mm, item->address, p, tree_rmap_item->mm,
                                 tree_rmap_item->address, page2[0]);
    // As soon as we merge this page, we want to remove the rmap_item of the
    // page we have merged with from the unstable tree, and insert it
    // instead as new node in the stable tree.
    if (!err) {
      rb_erase(&tree_rmap_item->node, &root_unstable_tree);
      tree_rmap_item->address &= ~NODE_FLAG;
      // If we fail to insert the page into the stable tree, we will have 2
      // virtual addresses that are pointing to a ksm page left outside the
      // stable tree, in which case we need to break_cow on both.
      if (stable_tree_insert(page2[0], tree_rmap_item)) {
        stable_tree_append(item, tree_rmap_item);
      } else {
        break_cow(tree_rmap_item->mm, tree_rmap_item->address);
        break_cow(item->mm, item->address);
        ksm_pages_sharing -= 2;
      }
    }
    k.put_page(page2[0]);
  }
}

rmap_item *Ksm::get_next_rmap_item(mm_slot *slot, list_node *cur, std::uint64_t addr) {
  while (cur != &slot->rmap_list) {
    rmap_item *item = rmap_of_link(cur);
    if ((item->address & PAGE_MASK) == addr) {
      if (!in_stable_tree(item))
        remove_rmap_item_from_tree(item);
      return item;
    }
    if (item->address > addr)
      break;
    cur = cur->next;
    remove_rmap_item_from_tree(item);
    list_del(&item->link);
    free_rmap_item(item);
  }
  rmap_item *item = alloc_rmap_item();
  // It has already been zeroed
  item->mm = slot->mm;
  item->address = addr;
  list_add_tail(&item->link, cur);
  return item;
}

rmap_item *Ksm::scan_get_next_rmap_item(page **pagep) {
  KFUNC();
  if (list_empty(&ksm_mm_head.mm_list))
    return nullptr;
  mm_slot *slot = ksm_scan.mm_slot;
  if (slot == &ksm_mm_head) {
    root_unstable_tree = RB_ROOT;
    slot = slot_of_list(slot->mm_list.next); // under ksm_mmlist_lock
    ksm_scan.mm_slot = slot;
    goto next_mm;
  }
  goto scan_mm;
next_mm:
  ksm_scan.address = 0;
  ksm_scan.rmap_item_ = rmap_of_link(&slot->rmap_list);
scan_mm : {
  mm_struct *mm = slot->mm;
  k.down_read(mm);
  for (vm_area_struct *vma = k.find_vma(mm, ksm_scan.address); vma; vma = vma->vm_next) {
    if (!(vma->vm_flags & VM_MERGEABLE))
      continue;
    if (ksm_scan.address < vma->vm_start)
      ksm_scan.address = vma->vm_start;
    if (!vma->anon_vma)
      ksm_scan.address = vma->vm_end;
    while (ksm_scan.address < vma->vm_end) {
      *pagep = k.follow_page(vma, ksm_scan.address, FOLL_GET);
      if (*pagep && Kernel::PageAnon(*pagep)) {
        rmap_item *item =
            get_next_rmap_item(slot, ksm_scan.rmap_item_->link.next, ksm_scan.address);
        if (item) {
          ksm_scan.rmap_item_ = item;
          ksm_scan.address += PAGE_SIZE;
        } else {
          k.put_page(*pagep);
        }
        k.up_read(mm);
        return item;
      }
      if (*pagep)
        k.put_page(*pagep);
      ksm_scan.address += PAGE_SIZE;
      k.cond_resched("scan_get_next_rmap_item:cond_resched");
    }
  }
  if (!ksm_scan.address) {
    // We've completed a full scan of all vmas, holding mmap_sem throughout,
    // and found no VM_MERGEABLE: so do the same as __ksm_exit does to
    // remove this mm from all our lists now.
    remove_mm_from_lists(mm);
    k.up_read(mm);
    slot = ksm_scan.mm_slot;
    if (slot != &ksm_mm_head)
      goto next_mm;
    return nullptr;
  }
  // Nuke all the rmap_items that are above this current rmap: because
  // there were no VM_MERGEABLE vmas with such addresses.
  remove_trailing_rmap_items(slot, ksm_scan.rmap_item_->link.next);
  k.up_read(mm);
}
  slot = slot_of_list(slot->mm_list.next); // under ksm_mmlist_lock
  ksm_scan.mm_slot = slot;
  // Repeat until we've completed scanning the whole list
  if (slot != &ksm_mm_head)
    goto next_mm;
  // Bump seqnr here rather than at top, so that __ksm_exit can skip
  // rb_erase on unstable tree until we run again.
  ksm_scan.seqnr++;
  return nullptr;
}

void Ksm::ksm_do_scan(unsigned int scan_npages) {
  entered(); // KsmProfile::entries
  KFUNC();
  while (scan_npages--) {
    k.cond_resched("ksm_do_scan:cond_resched");
    page *p = nullptr;
    rmap_item *item = scan_get_next_rmap_item(&p);
    if (!item)
      return;
    pages_scanned_++;
    if (!Kernel::PageKsm(p) || !in_stable_tree(item))
      cmp_and_merge_page(p, item);
    k.put_page(p);
    if (after_page_scanned)
      after_page_scanned();
  }
}

int Ksm::ksm_madvise(vm_area_struct *vma, std::uint64_t start, std::uint64_t end, int advice,
                     std::uint64_t *vm_flags) {
  KFUNC();
  mm_struct *mm = vma->vm_mm;
  switch (advice) {
  case MADV_MERGEABLE:
    // Be somewhat over-protective for now! (The model has no VM_RESERVED,
    // VM_INSERTPAGE or VM_SAO vmas.)
    if (*vm_flags & (VM_MERGEABLE | VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_DONTEXPAND |
                     VM_HUGETLB | VM_MIXEDMAP))
      return 0; // just ignore the advice
    if (!(mm->flags & MMF_VM_MERGEABLE))
      if (__ksm_enter(mm) < 0)
        return -EAGAIN;
    *vm_flags |= VM_MERGEABLE;
    break;
  case MADV_UNMERGEABLE:
    entered(); // KsmProfile::entries (MADV_MERGEABLE does not count: see __ksm_enter)
    if (!(*vm_flags & VM_MERGEABLE))
      return 0; // just ignore the advice
    if (vma->anon_vma)
      unmerge_ksm_pages(vma, start, end);
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
  insert_to_mm_slots_hash(mm, slot); // under ksm_mmlist_lock
  // Insert just behind the scanning cursor, to let the area settle down a
  // little; when fork is followed by immediate exec, we don't want ksmd to
  // waste time setting up and tearing down an rmap_list.
  list_add_tail(&slot->mm_list, &ksm_scan.mm_slot->mm_list);
  k.cond_resched("__ksm_enter:unlock"); // spin_unlock(&ksm_mmlist_lock)
  mm->flags |= MMF_VM_MERGEABLE;
  return 0;
}

void Ksm::__ksm_exit(mm_struct *mm) {
  entered(); // KsmProfile::entries
  KFUNC();
  // This process is exiting: doesn't hold and doesn't need mmap_sem; but we
  // do need to exclude ksmd and other exiters while we modify the various
  // lists and trees.
  mutex_lock();
  remove_mm_from_lists(mm);
  mutex_unlock();
}

// include/linux/ksm.h as the seed's interface commit defines them.
int Ksm::ksm_fork(mm_struct *mm, mm_struct *oldmm) {
  entered(); // KsmProfile::entries
  if (oldmm->flags & MMF_VM_MERGEABLE)
    return __ksm_enter(mm);
  return 0;
}

void Ksm::ksm_exit(mm_struct *mm) {
  entered(); // KsmProfile::entries
  if (mm->flags & MMF_VM_MERGEABLE)
    __ksm_exit(mm);
}

// Not in this kernel: a KSM page is never on an LRU list, so neither
// reclaim nor migration reaches the rmap calls below (they isolate from the
// LRU first). Should the MMU call them anyway, the page stays where it is.
int Ksm::try_to_unmap_ksm(page *, unsigned) {
  entered(); // KsmProfile::entries
  return SWAP_FAIL;
}

int Ksm::rmap_walk_ksm(page *,
                       const std::function<int(page *, vm_area_struct *, std::uint64_t)> &) {
  entered(); // KsmProfile::entries
  return SWAP_AGAIN;
}

void Ksm::ksm_migrate_page(page *, page *) {}

std::vector<KsmProfile::SlotFigures> Ksm::slot_figures() const {
  std::vector<SlotFigures> out;
  for (const list_node *l = ksm_mm_head.mm_list.next; l != &ksm_mm_head.mm_list; l = l->next) {
    const mm_slot *slot = reinterpret_cast<const mm_slot *>(l);
    SlotFigures f;
    f.mm = slot->mm;
    for (const list_node *r = slot->rmap_list.next; r != &slot->rmap_list; r = r->next) {
      f.rmap_items++;
      if (reinterpret_cast<const rmap_item *>(r)->address & STABLE_FLAG)
        f.merged++;
    }
    out.push_back(f);
  }
  return out;
}

} // namespace ksmsim::v2_6_32
