// SPDX-License-Identifier: GPL-2.0-only
//
// `mpirun -n N ksmsim sweep ...` (docs/sweep.md): only in a build with MPI
// (CMake found MPI and Boost.MPI, KSMSIM_MPI on; KSMSIM_HAVE_MPI is then
// defined for the CLI, which alone links this file). Rank 0 checks the
// points and opens the outputs (`prepare`), then every rank runs the points
// i with i % size == rank on its `jobs` threads, the results are gathered
// on rank 0 and put in point order, and rank 0 writes them (`finish`).
#pragma once

#include <functional>
#include <vector>

#include "sim/sweep/sweep_run.h"

namespace ksmsim::sweep {

struct MpiSweepIo {
  // Rank 0, before anything runs: 0 to go on, else the exit status (with
  // the reason printed); every rank then returns it.
  std::function<int()> prepare;
  // Rank 0, with every point's result in point order: the exit status.
  std::function<int(const std::vector<PointResult> &)> finish;
};

// Initialises MPI (MPI_THREAD_FUNNELED: only this thread calls MPI),
// runs this rank's points and returns this rank's exit status: rank 0's
// is the sweep's, the others' 0 unless prepare refused. The number of
// ranks in *size.
int run_sweep_mpi(const SweepSpec &spec, unsigned jobs, const MpiSweepIo &io, int *size);

} // namespace ksmsim::sweep
