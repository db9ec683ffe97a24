// SPDX-License-Identifier: GPL-2.0-only
//
// Whether this process was started by an MPI launcher: Open MPI's mpirun
// (OMPI_COMM_WORLD_SIZE), a PMI or PMIx launcher such as Slurm's
// `srun --mpi=pmix` or MPICH's Hydra (PMIX_RANK, PMI_RANK, PMI_SIZE). Read
// from the environment only, so that a plain `ksmsim sweep` never
// initialises MPI (docs/sweep.md).
#pragma once

namespace ksmsim::sweep {

bool under_mpi_launcher();

} // namespace ksmsim::sweep
