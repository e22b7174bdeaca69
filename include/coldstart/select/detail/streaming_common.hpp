#pragma once
// Input checks shared by the streaming selectors (rows possibly split over processes).

#include <span>
#include <vector>

#include "coldstart/parallel/comm.hpp"
#include "coldstart/select/detail/common.hpp"

namespace coldstart::select::detail {

/// Checks budget and labelled rows against the global pool; returns the 0/1 mask of labelled
/// rows over all `rows.total_rows` (1 byte per pool row, on every process). The same checks and
/// messages as check_inputs (finite values are checked by the selectors' first pass).
[[nodiscard]] inline std::vector<char> check_streaming_inputs(const parallel::LocalRows& rows,
                                                              Index budget,
                                                              std::span<const Index> labelled,
                                                              const char* where) {
  const Index n = rows.total_rows;
  if (n == 0 || rows.x.cols() == 0)
    throw InvalidArgument(format("{}: embeddings are empty ({}×{})", where, n, rows.x.cols()));
  if (budget <= 0) throw InvalidArgument(format("{}: budget ({}) must be positive", where, budget));
  auto mask = labelled_mask(n, labelled, where);
  const Index pool = n - static_cast<Index>(labelled.size());
  if (budget > pool)
    throw InvalidArgument(format("{}: budget ({}) exceeds unlabelled pool ({} rows, {} labelled)",
                                 where, budget, pool, labelled.size()));
  return mask;
}

}  // namespace coldstart::select::detail
