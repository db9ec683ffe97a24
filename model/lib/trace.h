// SPDX-License-Identifier: GPL-2.0-only
//
// Trace output in the kernel's ftrace text format (/sys/kernel/tracing/trace):
// the kernel's own ksm tracepoints plus ksmsim_* simulator events. Pointers
// are printed as stable synthetic handles.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ksmsim {

// What %p prints for a simulated object: stable across runs.
enum class HandleKind : std::uint64_t {
  mm = 1,
  rmap_item = 2,
  stable_node = 3,
  anon_vma = 4,
  mm_slot = 5
};
std::uint64_t handle(HandleKind kind, std::uint32_t id);

struct Task {
  std::string comm = "ksmsim";
  int pid = 1;
  int cpu = 0;
};

class Trace {
public:
  bool enabled() const { return enabled_; }
  void enable() { enabled_ = true; }
  // One event line; `text` is what the event's TP_printk produced.
  void emit(const Task &task, std::uint64_t time_us, std::string_view event, std::string_view text);
  std::size_t entries() const { return entries_; }
  // The whole trace file: the header then every line.
  std::string file_text(int nr_cpus) const;
  // Sees every line emitted, as it is (the Chrome JSON writer).
  using Observer = std::function<void(const Task &, std::uint64_t time_us, std::string_view event,
                                      std::string_view text)>;
  void observe(Observer f) { observer_ = std::move(f); }
  // The trace file's header, for a trace of that many lines.
  static std::string header(std::size_t entries, int nr_cpus);
  // From now on the lines go to spill, a megabyte at a time, instead of
  // staying in memory; flush() hands over the rest.
  void spill_to(std::function<void(std::string_view)> spill) { spill_ = std::move(spill); }
  void flush();

private:
  bool enabled_ = false;
  std::size_t entries_ = 0;
  std::string lines_;
  Observer observer_;
  std::function<void(std::string_view)> spill_;
};

} // namespace ksmsim
