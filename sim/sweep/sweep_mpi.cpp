// SPDX-License-Identifier: GPL-2.0-only
#include "sim/sweep/sweep_mpi.h"

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

namespace boost::serialization {

// A point's result on the wire: its exit status, seed and cells.
template <class Archive>
void serialize(Archive &ar, ksmsim::sweep::PointResult &r, const unsigned /*version*/) {
  ar &r.exit_code;
  ar &r.seed;
  ar &r.cells;
}

} // namespace boost::serialization

namespace ksmsim::sweep {

namespace mpi = boost::mpi;

int run_sweep_mpi(const SweepSpec &spec, unsigned jobs, const MpiSweepIo &io, int *size) {
  mpi::environment env(mpi::threading::funneled);
  mpi::communicator world;
  *size = world.size();
  int status = 0;
  if (world.rank() == 0)
    status = io.prepare();
  mpi::broadcast(world, status, 0);
  if (status != 0)
    return status;
  const std::size_t ranks = static_cast<std::size_t>(world.size());
  const std::size_t rank = static_cast<std::size_t>(world.rank());
  std::vector<std::size_t> mine;
  for (std::size_t i = rank; i < spec.points.size(); i += ranks)
    mine.push_back(i);
  std::vector<PointResult> results = run_points(spec, mine, jobs);
  if (world.rank() != 0) {
    mpi::gather(world, results, 0);
    return 0;
  }
  std::vector<std::vector<PointResult>> all;
  mpi::gather(world, results, all, 0);
  // Rank r's k-th result is point r + k x ranks.
  std::vector<PointResult> ordered(spec.points.size());
  for (std::size_t r = 0; r < all.size(); r++)
    for (std::size_t k = 0; k < all[r].size(); k++)
      ordered.at(r + k * ranks) = std::move(all[r][k]);
  return io.finish(ordered);
}

} // namespace ksmsim::sweep
