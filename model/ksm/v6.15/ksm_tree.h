// SPDX-License-Identifier: GPL-2.0-only
//
// The kernel's list primitives on ksm_types.h's links: model/lib/list.h's
// (the trees are the kernel's own rbtree, model/lib/rbtree.h). Include
// only where the lists are walked.
#pragma once

#include "model/ksm/v6.15/ksm_types.h"
#include "model/lib/list.h"
