// SPDX-License-Identifier: GPL-2.0-only
//
// include/linux/list.h's struct list_head, as a plain struct (the
// primitives that walk it are model/lib/list.h's), so that the headers of
// the objects that embed one stay light.
#pragma once

namespace ksmsim {

// A doubly linked list node (struct list_head; 6.15's hlists too).
struct list_node {
  list_node *next;
  list_node *prev;
};

} // namespace ksmsim
