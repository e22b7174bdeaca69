#pragma once
// StreamingKCenter: greedy k-center over rows that are streamed and possibly split over
// processes (MPI ranks); the same picks as KCenterGreedySelector.

#include <cmath>
#include <limits>

#include "coldstart/cluster/distance.hpp"
#include "coldstart/parallel/comm.hpp"
#include "coldstart/select/concept.hpp"
#include "coldstart/select/detail/streaming_common.hpp"

namespace coldstart::select {

/// Greedy k-center (Sener & Savarese 2018, arXiv:1708.00489) as KCenterGreedySelector, for pools
/// read through a memory map or split over processes: each process keeps the squared distance
/// of its rows to the picked set (4 bytes per row) and streams its rows once per pick (O(n·d)
/// per pick, exact float distances as KCenterGreedySelector's update); the farthest row is found
/// by a (distance, global row) max-reduction, ties to the lower row, and its vector is broadcast
/// by its owner. Without labelled rows the picks equal KCenterGreedySelector's for the same rng
/// (first pick uniform at random); labelled rows enter through exact distances here (GEMM there),
/// so with labelled rows the two may differ at float near-ties. No strata.
/// Time O(budget·n·d + L·n·d); memory 4 bytes per local row + 1 byte per pool row.
/// @tparam Comm models parallel::Communicator.
/// @code
///   Selection s = StreamingKCenter<>{}.select(parallel::LocalRows(map.view()), 100, {},
///                                            parallel::SerialComm{}, rng);
/// @endcode
/// @throws InvalidArgument on budget ≤ 0, budget > unlabelled pool, bad labelled rows;
///         NumericError on NaN/Inf rows (same message on every process).
template <parallel::Communicator Comm = parallel::SerialComm>
class StreamingKCenter {
 public:
  [[nodiscard]] Selection select(const parallel::LocalRows& rows, Index budget,
                                 std::span<const Index> labelled, const Comm& comm,
                                 Rng& rng) const {
    constexpr const char* kWhere = "select::StreamingKCenter::select";
    std::vector<char> taken = detail::check_streaming_inputs(rows, budget, labelled, kWhere);
    (void)parallel::finite_max_abs(comm, rows, kWhere);
    const Index n = rows.x.rows(), d = rows.x.cols();
    constexpr float kInf = std::numeric_limits<float>::infinity();
    std::vector<float> min_d(static_cast<std::size_t>(n), kInf);
    const auto update = [&](const Eigen::VectorXf& c) {
#pragma omp parallel for schedule(static) if (n * d > (Index{1} << 20))
      for (Index i = 0; i < n; ++i)
        min_d[i] = std::min(min_d[i], cluster::sq_distance(rows.x.row(i).data(), c.data(), d));
    };
    for (const Index l : labelled) update(parallel::fetch_row(comm, rows, l));
    Selection s;
    for (Index p = 0; p < budget; ++p) {
      std::vector<parallel::DistRow> best{{-1.0, -1}};
      if (p == 0 && labelled.empty()) {
        best[0] = {std::numeric_limits<double>::quiet_NaN(),
                   static_cast<std::int64_t>(
                       random::uniform_index(rng, static_cast<std::uint64_t>(rows.total_rows)))};
      } else {
        for (Index i = 0; i < n; ++i)
          if (!taken[rows.first_row + i] && min_d[i] > best[0].dist)
            best[0] = {min_d[i], static_cast<std::int64_t>(rows.first_row + i)};
        comm.max_loc(best);
      }
      const Index pick = best[0].row;
      taken[pick] = 1;
      s.indices.push_back(pick);
      s.cluster.push_back(-1);
      s.distance.push_back(std::isnan(best[0].dist) || best[0].dist == kInf
                               ? std::numeric_limits<float>::quiet_NaN()
                               : std::sqrt(static_cast<float>(best[0].dist)));
      update(parallel::fetch_row(comm, rows, pick));
    }
    return s;
  }
};

}  // namespace coldstart::select
