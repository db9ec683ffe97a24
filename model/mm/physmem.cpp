// SPDX-License-Identifier: GPL-2.0-only
//
// Physical memory: page frames on NUMA nodes, the zero page, refcounts and
// page flags. Frames are created on first use (a simulated page must not
// cost 4 KiB) and freed frames are reused last-in first-out, as a per-cpu
// free list hands them out.
#include <sys/mman.h>

#include <climits>
#include <fmt/format.h>
#include <new>
#include <stdexcept>

#include "model/mm/kernel.h"

namespace ksmsim {

Kernel::Kernel(const MachineConfig &m, const KernelProfile &prof)
    : Kernel(m, prof, [](Kernel &k) { return make_ksm_profile(k, k.profile); }) {}

Kernel::Kernel(const MachineConfig &m, const KernelProfile &prof, const KsmPortFactory &make_port)
    : machine(m), profile(prof), ksm_port_(make_port(*this)), ksm(*ksm_port_) {
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
  // Frames are visited in no locality order (tree walks, rmap): 2 MiB pages
  // where the host allows them cut the TLB misses. Only a hint: it changes
  // no byte of the simulation.
  madvise(map, mem_map_bytes_, MADV_HUGEPAGE);
  // Node 0's first frame is the shared zero page.
  nodes_[0].used = 1;
  zero_page_ = new (&mem_map_[0]) page{};
  zero_page_->_count = 1;
  zero_page_->flags = PG_zero | PG_uptodate;
  build_all_zonelists();
  swap_map_.assign(machine.swap_pages + 1); // taken lazily (model/mm/lazy_array.h)
  swap_cache_.assign(machine.swap_pages + 1);
  swap_data_.assign(machine.swap_pages + 1);
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

// ---- zonelists (mm/page_alloc.c 3.9, CONFIG_NUMA, node order) ----
// One zone a node: a node's zonelist is the node order build_zonelists
// picks. No SLIT: node_distance is LOCAL_DISTANCE (10) to itself and
// REMOTE_DISTANCE (20) to the others; every node has CPUs.
namespace {
constexpr int LOCAL_DISTANCE = 10, REMOTE_DISTANCE = 20;
constexpr int PENALTY_FOR_NODE_WITH_CPUS = 1;
constexpr int MAX_NUMNODES = 64; // CONFIG_NODES_SHIFT 6 (x86_64 defconfig)
int node_distance(int a, int b) {
  return a == b ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

// find_next_best_node: the local node first, then the nearest unused node,
// ties broken towards nodes above the local one and the less loaded.
int find_next_best_node(int node, std::vector<bool> &used_node_mask,
                        const std::vector<int> &node_load) {
  const int nr_nodes = static_cast<int>(used_node_mask.size());
  if (!used_node_mask[node]) {
    used_node_mask[node] = true;
    return node;
  }
  int min_val = INT_MAX, best_node = -1;
  for (int n = 0; n < nr_nodes; n++) {
    if (used_node_mask[n])
      continue;
    int val = node_distance(node, n);
    val += (n < node);                 // penalize nodes under us
    val += PENALTY_FOR_NODE_WITH_CPUS; // every simulated node has CPUs
    val *= (nr_nodes * MAX_NUMNODES);  // MAX_NODE_LOAD * MAX_NUMNODES
    val += node_load[n];
    if (val < min_val) {
      min_val = val;
      best_node = n;
    }
  }
  if (best_node >= 0)
    used_node_mask[best_node] = true;
  return best_node;
}
} // namespace

// __build_all_zonelists -> build_zonelists for each node: node_load is
// shared by all nodes' builds, so equal-distance nodes are taken round-robin.
void Kernel::build_all_zonelists() {
  const int nr_nodes = machine.nodes;
  std::vector<int> node_load(nr_nodes, 0);
  node_zonelists_.assign(nr_nodes, {});
  for (int local_node = 0; local_node < nr_nodes; local_node++) {
    std::vector<bool> used_mask(nr_nodes, false);
    int load = nr_nodes, prev_node = local_node, node;
    while ((node = find_next_best_node(local_node, used_mask, node_load)) >= 0) {
      // Penalise the first node of each distance group (round-robin).
      if (node_distance(local_node, node) != node_distance(local_node, prev_node))
        node_load[node] = load;
      prev_node = node;
      load--;
      node_zonelists_[local_node].push_back(node); // build_zonelists_in_node_order
    }
  }
}

// __alloc_pages_nodemask -> get_page_from_freelist: the first node of the
// zonelist (of node nid) that is in the nodemask (bind_node, or every
// node when it is -1) and has a free frame. Differs: no watermarks, and
// no slow path (kswapd, direct reclaim, the OOM killer): a node is full
// when its last frame is handed out, and nullptr means the allocation
// failed (the fault returns VM_FAULT_OOM).
page *Kernel::__alloc_pages_nodemask(int nid, int bind_node) {
  for (int zone_nid : node_zonelists_[nid]) {
    if (bind_node >= 0 && zone_nid != bind_node)
      continue;
    if (page *p = alloc_page_node(zone_nid))
      return p;
  }
  return nullptr;
}

// alloc_pages_exact_node(nid, GFP_THISNODE) as well: the node's frames only.
page *Kernel::alloc_page_node(int nid) {
  NodeFrames &n = nodes_[nid];
  std::uint64_t pfn;
  if (n.free_head != NO_FRAME) {
    pfn = n.free_head;
    n.free_head = mem_map_[pfn].index;
    contents.reset(mem_map_[pfn].content); // its old bytes go: page{} below is the zero page's
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
  if (touch)
    touch->frame(page_to_pfn(p));
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

std::uint32_t mapping_of(std::uint32_t id, std::uint32_t flags) {
  if (id >= (1u << 30))
    throw std::bad_alloc(); // no more ids fit page->mapping
  return id << 2 | flags;
}

// page->mapping holds ids (mm_types.h): a stable_node is found by its id
// in stable_node_of_id_, filled as nodes are set on pages.
stable_node *Kernel::page_stable_node(const page *p) const {
  if (!PageKsm(p))
    return nullptr;
  // Only set_page_stable_node (v3.9's nodes) fills the table: a KSM page of
  // another port (its own stable_node type and ids) is not found here.
  const std::uint32_t id = mapping_id(p->mapping);
  return id && id < stable_node_of_id_.size() ? stable_node_of_id_[id] : nullptr;
}

void Kernel::set_page_stable_node(page *p, stable_node *node) {
  if (touch)
    touch->frame(page_to_pfn(p));
  p->mapping = ksm_mapping(node);
  if (node) {
    if (stable_node_of_id_.size() <= node->id)
      stable_node_of_id_.resize(std::size_t(node->id) + 1, nullptr);
    stable_node_of_id_[node->id] = node;
  }
}

std::uint32_t Kernel::ksm_mapping(const stable_node *node) {
  return mapping_of(node ? node->id : 0, PAGE_MAPPING_ANON | PAGE_MAPPING_KSM);
}

anon_vma *Kernel::page_anon_vma(const page *p) const {
  if ((p->mapping & PAGE_MAPPING_FLAGS) != PAGE_MAPPING_ANON)
    return nullptr;
  return anon_vma_of_id(mapping_id(p->mapping));
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
