// SPDX-License-Identifier: GPL-2.0-only
//
// Physical memory: page frames on NUMA nodes, the zero page, refcounts and
// page flags. Frames are created on first use (a simulated page must not
// cost 4 KiB) and freed frames are reused last-in first-out, as a per-cpu
// free list hands them out.
#include <sys/mman.h>

#include <fmt/format.h>
#include <new>
#include <stdexcept>

#include "model/mm/kernel.h"

namespace ksmsim {

Kernel::Kernel(const MachineConfig &m, const KernelProfile &prof)
    : machine(m), profile(prof), ksm(*this) {
  nodes_.resize(machine.nodes);
  // mem_map: address space for every frame, touched (and so paid for) only
  // as frames are handed out.
  mem_map_bytes_ = std::size_t(machine.nodes) * machine.pages_per_node * sizeof(page);
  void *map = mmap(nullptr, mem_map_bytes_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED)
    throw std::length_error(fmt::format("cannot reserve {} bytes for {} page frames",
                                        mem_map_bytes_,
                                        std::uint64_t(machine.nodes) * machine.pages_per_node));
  mem_map_ = static_cast<page *>(map);
  // Node 0's first frame is the shared zero page.
  nodes_[0].used = 1;
  zero_page_ = new (&mem_map_[0]) page{};
  zero_page_->_count = 1;
  zero_page_->flags = PG_zero | PG_uptodate;
  swap_map_.assign(machine.swap_pages + 1, 0);
  swap_cache_.assign(machine.swap_pages + 1, 0);
  swap_data_.resize(machine.swap_pages + 1);
  set_oops_sink(this);
}

Kernel::~Kernel() {
  set_oops_sink(nullptr);
  munmap(mem_map_, mem_map_bytes_);
}

const char *errno_name(int err) {
  if (err < 0)
    err = -err;
  switch (err) {
  case EPERM:
    return "EPERM";
  case ENOENT:
    return "ENOENT";
  case EINTR:
    return "EINTR";
  case EIO:
    return "EIO";
  case ENOMEM:
    return "ENOMEM";
  case EACCES:
    return "EACCES";
  case EFAULT:
    return "EFAULT";
  case EBUSY:
    return "EBUSY";
  case EEXIST:
    return "EEXIST";
  case EINVAL:
    return "EINVAL";
  case ENOSPC:
    return "ENOSPC";
  case ERESTARTSYS:
    return "ERESTARTSYS";
  case ETIMEDOUT:
    return "ETIMEDOUT";
  case EAGAIN:
    return "EAGAIN";
  default:
    return "E?";
  }
}

page *Kernel::alloc_page_node(int nid) {
  NodeFrames &n = nodes_[nid];
  std::uint64_t pfn;
  if (n.free_head != NO_FRAME) {
    pfn = n.free_head;
    n.free_head = mem_map_[pfn].index;
  } else {
    if (n.used >= machine.pages_per_node)
      return nullptr;
    pfn = std::uint64_t(nid) * machine.pages_per_node + n.used;
    n.used++;
  }
  page *p = new (&mem_map_[pfn]) page{};
  p->_count = 1;
  frames_in_use_++;
  return p;
}

page *Kernel::pfn_to_page(std::uint64_t pfn) {
  int nid = pfn_to_nid(pfn);
  if (nid >= machine.nodes || pfn - std::uint64_t(nid) * machine.pages_per_node >= nodes_[nid].used)
    kernel_bug(__func__, fmt::format("pfn {} was never a page frame", pfn));
  return &mem_map_[pfn];
}

std::uint32_t Kernel::page_private(const page *p) const {
  auto it = page_private_.find(static_cast<std::uint32_t>(page_to_pfn(p)));
  return it == page_private_.end() ? 0 : it->second;
}

void Kernel::set_page_private(page *p, std::uint32_t value) {
  auto pfn = static_cast<std::uint32_t>(page_to_pfn(p));
  if (value)
    page_private_[pfn] = value;
  else
    page_private_.erase(pfn);
}

int Kernel::pfn_to_nid(std::uint64_t pfn) const {
  return machine.nodes == 1 ? 0 : static_cast<int>(pfn / machine.pages_per_node);
}
int Kernel::page_to_nid(const page *p) const {
  return pfn_to_nid(page_to_pfn(p));
}

void Kernel::get_page(page *p) {
  VM_BUG_ON(p->_count <= 0);
  p->_count++;
}

bool Kernel::get_page_unless_zero(page *p) {
  if (p->_count == 0)
    return false;
  p->_count++;
  return true;
}

void Kernel::put_page(page *p) {
  VM_BUG_ON(p->_count == 0);
  if (--p->_count == 0)
    free_page(p);
}

// free_pages_prepare + free_pages_check.
void Kernel::free_page(page *p) {
  KFUNC();
  if (p->flags & PG_zero)
    kernel_bug(__func__, "freeing the zero page");
  if (PageAnon(p))
    p->mapping = 0;
  if (page_mapcount(p) != 0 || p->mapping != 0 || (p->flags & (PG_locked | PG_swapcache)))
    kernel_warn("bad_page",
                fmt::format("BUG: Bad page state: pfn {} mapcount {} mapping {:x} flags {:x}",
                            page_to_pfn(p), page_mapcount(p), p->mapping, p->flags));
  contents.release(p->content);
  p->flags = 0;
  set_page_private(p, 0);
  frames_in_use_--;
  NodeFrames &n = nodes_[page_to_nid(p)];
  p->index = n.free_head;
  n.free_head = static_cast<std::uint32_t>(page_to_pfn(p));
}

stable_node *Kernel::page_stable_node(const page *p) const {
  return PageKsm(p) ? reinterpret_cast<stable_node *>(p->mapping & ~PAGE_MAPPING_FLAGS) : nullptr;
}

void Kernel::set_page_stable_node(page *p, stable_node *node) {
  p->mapping = reinterpret_cast<std::uintptr_t>(node) | PAGE_MAPPING_ANON | PAGE_MAPPING_KSM;
}

anon_vma *Kernel::page_anon_vma(const page *p) const {
  if ((p->mapping & PAGE_MAPPING_FLAGS) != PAGE_MAPPING_ANON)
    return nullptr;
  return reinterpret_cast<struct anon_vma *>(p->mapping - PAGE_MAPPING_ANON);
}

bool Kernel::trylock_page(page *p) {
  if (p->flags & PG_locked)
    return false;
  p->flags |= PG_locked;
  return true;
}

void Kernel::lock_page(page *p) {
  if (p->flags & PG_locked)
    lock_conflict(__func__, fmt::format("the page lock of pfn {}", page_to_pfn(p)));
  p->flags |= PG_locked;
}

void Kernel::lock_conflict(const char *fn, const std::string &lock) {
  if (nested_depth > 0)
    throw LockConflict(lock);
  // One simulated CPU runs at a time: waiting on a lock it holds itself
  // would never end. The kernel would hang here (lockdep would say so).
  detector_stop(fn, "deadlock",
                fmt::format("ksmsim: would deadlock: {} is already held by this context", lock));
}

void Kernel::unlock_page(page *p) {
  VM_BUG_ON(!PageLocked(p));
  p->flags &= ~PG_locked;
}

void Kernel::record_oops(OopsRecord rec) {
  rec.time_us = now_us;
  rec.step = current_step;
  const char *event = is_oops(rec)      ? "ksmsim_oops"
                      : is_warning(rec) ? "ksmsim_warning"
                                        : "ksmsim_detector";
  trace_fmt(event, "{}", oops_headline(rec));
  oopses_.push_back(std::move(rec));
}

bool Kernel::first_warning_at(const std::string &site) {
  return warned_sites_.insert(site).second;
}

} // namespace ksmsim
