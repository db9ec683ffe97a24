// SPDX-License-Identifier: GPL-2.0-only
// ksmsim-memprobe: what one dependent random access to memory costs on
// this machine, by working-set size, and what a first touch of fresh
// anonymous memory costs a byte. tools/bench --memory prints them beside
// ksmsim's ns per page scan: a tree walk over N rmap_items is a chain of
// such accesses, so the walk's cost per level follows this machine's
// curve, not the simulator's code (docs/perf.md, session 8).
//
// Usage: ksmsim-memprobe MIB [MIB ...]   two lines per size:
//   "chase <MiB> <ns per access>" (one chain: each access waits for the
//   one before), "overlap <MiB> <ns per access>" (16 independent chains
//   advanced in turn, as the v3.9 port's 16 lookahead walks are: what the
//   machine gives when misses overlap, the misses it keeps in flight
//   being the limit), "walk <MiB> <ns per lookup> <levels per lookup>"
//   (16 lookups advanced a level in turn, as those walks are, in a
//   balanced binary search tree of one node a line placed at random: the
//   kernel-shaped walk with nothing of the simulator's work, its top
//   levels as cache-hot as a real tree's) and, last, "first_touch <ns per
//   byte>" (measured first, at the largest size).
// Deterministic: the chases follow a fixed-seed random cycle over 64-byte
// lines, the tree's nodes sit at a fixed-seed permutation of them, and the
// keys sought are from a fixed seed; all on memory madvised MADV_HUGEPAGE,
// as the simulator's big arrays are.
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

namespace {

constexpr std::size_t LINE = 64;
constexpr std::size_t HUGE_PAGE = std::size_t(2) << 20;

// bytes from a 2 MiB boundary, madvised MADV_HUGEPAGE (as the simulator's
// big arrays are): data, or nullptr if the mapping failed.
struct Mapping {
  void *base = MAP_FAILED;
  std::size_t len = 0;
  char *data = nullptr;
  explicit Mapping(std::size_t bytes) : len(bytes + HUGE_PAGE) {
    base = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
      return;
    auto a = reinterpret_cast<std::uintptr_t>(base);
    data = reinterpret_cast<char *>((a + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
    madvise(data, bytes, MADV_HUGEPAGE);
  }
  ~Mapping() {
    if (base != MAP_FAILED)
      munmap(base, len);
  }
  Mapping(const Mapping &) = delete;
  Mapping &operator=(const Mapping &) = delete;
};

std::uint64_t xorshift(std::uint64_t &s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

// The lines 0..lines-1 in a random order from a fixed seed: a single cycle
// (Sattolo's shuffle, for a chase) or any permutation (Fisher-Yates).
std::vector<std::uint32_t> shuffled(std::size_t lines, std::uint64_t seed, bool one_cycle) {
  std::vector<std::uint32_t> order(lines);
  std::iota(order.begin(), order.end(), 0u);
  if (lines < 2)
    return order;
  for (std::size_t i = lines - 1; i > 0; i--)
    std::swap(order[i], order[xorshift(seed) % (one_cycle ? i : i + 1)]);
  return order;
}

// The chains of an overlapped chase (Ksm::LOOKAHEAD_WALKS).
constexpr std::size_t CHAINS = 16;

struct Chase {
  double one;     // ns per access, one chain
  double overlap; // ns per access, CHAINS chains in turn
};

// ns per access of pointer chases over one random cycle of all the lines:
// one chain, then CHAINS chains started evenly apart on the cycle (so they
// never meet), each access of a chain waiting for its previous one only.
Chase chase(std::size_t bytes) {
  const std::size_t lines = bytes / LINE;
  const Mapping m(bytes);
  char *a = m.data;
  if (!a || lines < CHAINS)
    return {-1, -1};
  const std::vector<std::uint32_t> order = shuffled(lines, 0x9e3779b97f4a7c15ull, true);
  for (std::size_t i = 0; i < lines; i++)
    *reinterpret_cast<std::uint64_t *>(a + order[i] * LINE) = order[(i + 1) % lines] * LINE;
  const std::size_t hops = std::max<std::size_t>(lines, 4000000);
  std::uint64_t at = 0;
  for (std::size_t i = 0; i < lines; i++) // warm the caches and TLB as far as they go
    at = *reinterpret_cast<volatile std::uint64_t *>(a + at);
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < hops; i++)
    at = *reinterpret_cast<volatile std::uint64_t *>(a + at);
  std::chrono::duration<double, std::nano> t = std::chrono::steady_clock::now() - t0;
  std::uint64_t ats[CHAINS];
  for (std::size_t j = 0; j < CHAINS; j++)
    ats[j] = std::uint64_t(order[j * (lines / CHAINS)]) * LINE;
  const std::size_t rounds = hops / CHAINS;
  auto t1 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < rounds; i++)
    for (std::size_t j = 0; j < CHAINS; j++)
      ats[j] = *reinterpret_cast<volatile std::uint64_t *>(a + ats[j]);
  std::chrono::duration<double, std::nano> u = std::chrono::steady_clock::now() - t1;
  return {t.count() / double(hops), u.count() / double(rounds * CHAINS)};
}

// A balanced binary search tree of a node a line over [lo, hi) (its keys
// the in-order ranks), node r stored at line order[r]: links are byte
// offsets, NIL_LINK for none. Returns the subtree's root offset.
constexpr std::uint64_t NIL_LINK = ~std::uint64_t(0);
struct TreeNode {
  std::uint64_t left, right, key;
};
std::uint64_t build(char *a, const std::vector<std::uint32_t> &order, std::size_t lo,
                    std::size_t hi) {
  if (lo >= hi)
    return NIL_LINK;
  const std::size_t mid = lo + (hi - lo) / 2;
  const std::uint64_t off = std::uint64_t(order[mid]) * LINE;
  auto *n = reinterpret_cast<TreeNode *>(a + off);
  n->key = mid;
  n->left = build(a, order, lo, mid);
  n->right = build(a, order, mid + 1, hi);
  return off;
}

struct Walk {
  double ns;     // per lookup
  double levels; // per lookup
};

// CHAINS lookups of keys no node has (a rank and a half: every lookup ends
// at an empty link), each advanced one level in turn; a finished one starts
// anew.
Walk walk(std::size_t bytes) {
  const std::size_t lines = bytes / LINE;
  const Mapping m(bytes);
  char *a = m.data;
  if (!a || lines < CHAINS)
    return {-1, -1};
  const std::uint64_t root = build(a, shuffled(lines, 0x2545f4914f6cdd1dull, false), 0, lines);
  std::uint64_t s = 0x5851f42d4c957f2dull; // the keys sought
  std::uint64_t at[CHAINS], key2[CHAINS];  // key2: twice the key sought, odd
  auto start = [&](std::size_t j) {
    at[j] = root;
    key2[j] = 2 * (xorshift(s) % lines) + 1;
  };
  for (std::size_t j = 0; j < CHAINS; j++)
    start(j);
  const std::size_t steps = std::max<std::size_t>(lines, 4000000);
  std::size_t lookups = 0, levels = 0;
  auto run = [&](std::size_t n) {
    for (std::size_t i = 0; i < n; i++)
      for (std::size_t j = 0; j < CHAINS; j++) {
        const auto *node = reinterpret_cast<const volatile TreeNode *>(a + at[j]);
        const std::uint64_t next = key2[j] < 2 * node->key ? node->left : node->right;
        levels++;
        if (next == NIL_LINK) {
          lookups++;
          start(j);
        } else {
          at[j] = next;
          __builtin_prefetch(a + next);
        }
      }
  };
  run(steps / CHAINS / 4); // warm the caches and TLB as a long-running walk has them
  lookups = levels = 0;
  auto t0 = std::chrono::steady_clock::now();
  run(steps / CHAINS);
  std::chrono::duration<double, std::nano> t = std::chrono::steady_clock::now() - t0;
  return {t.count() / double(lookups), double(levels) / double(lookups)};
}

double cpu_ns() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e9 +
         (r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e3;
}

// CPU ns (user + system: the kernel's page clearing) per byte of a first
// write to fresh anonymous memory, 4 KiB apart.
double first_touch(std::size_t bytes) {
  const Mapping m(bytes);
  char *a = m.data;
  if (!a)
    return -1;
  const double t0 = cpu_ns();
  for (std::size_t i = 0; i < bytes; i += 4096)
    reinterpret_cast<volatile char *>(a)[i] = 1;
  return (cpu_ns() - t0) / double(bytes);
}

// The largest size probed: half this machine's memory (a chase maps the
// size and keeps a 4-byte index a line beside it, and every byte is
// touched), and at most 2^32 lines (the index is 32 bits).
std::size_t max_mib() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const std::size_t half = pages > 0 && page > 0 ? std::size_t(pages) * std::size_t(page) / 2 : 0;
  return std::min(half >> 20, (std::size_t(1) << 32) * LINE >> 20);
}

bool parse_mib(const char *arg, std::size_t limit, std::size_t *mib) {
  char *end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(arg, &end, 10);
  if (end == arg || *end || errno || *arg == '-' || v == 0 || v > limit)
    return false;
  *mib = v;
  return true;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ksmsim-memprobe MIB [MIB ...]\n");
    return 2;
  }
  const std::size_t limit = max_mib();
  std::vector<std::size_t> sizes;
  for (int i = 1; i < argc; i++) {
    std::size_t mib;
    if (!parse_mib(argv[i], limit, &mib)) {
      std::fprintf(stderr,
                   "ksmsim-memprobe: '%s' is not a size in MiB (1 to %zu, half this machine's "
                   "memory)\n",
                   argv[i], limit);
      return 2;
    }
    sizes.push_back(mib);
  }
  // First the first touch, at the largest size: the chases' memory, freed
  // just before, could be handed back without the cost of fresh memory.
  const std::size_t largest = *std::max_element(sizes.begin(), sizes.end());
  const double touch = first_touch(largest << 20);
  if (touch < 0) {
    std::fprintf(stderr, "ksmsim-memprobe: cannot map %zu MiB\n", largest);
    return 1;
  }
  for (std::size_t mib : sizes) {
    const Chase ns = chase(mib << 20);
    if (ns.one < 0) {
      std::fprintf(stderr, "ksmsim-memprobe: cannot map %zu MiB\n", mib);
      return 1;
    }
    const Walk w = walk(mib << 20);
    if (w.ns < 0) {
      std::fprintf(stderr, "ksmsim-memprobe: cannot map %zu MiB\n", mib);
      return 1;
    }
    std::printf("chase %zu %.1f\noverlap %zu %.1f\nwalk %zu %.1f %.1f\n", mib, ns.one, mib,
                ns.overlap, mib, w.ns, w.levels);
  }
  std::printf("first_touch %.2f\n", touch);
  return 0;
}
