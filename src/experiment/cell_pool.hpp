#pragma once
// Internal to src/experiment: the experiment's independent cells spread over threads.
//
// Why cells and not operations: LibTorch splits a reduction (a batch-norm statistic, a loss sum,
// a weight gradient) by its intra-op thread count, so a U-Net trained on 1 and on 2 threads
// differs in the last digits and the difference grows over epochs. Each cell's learner therefore
// runs on one LibTorch thread, and `--threads` sets how many cells run at once: the results are
// the same on any thread count, and a small network keeps every core busier than intra-op
// splitting of its small tensors does.
#include <ATen/Parallel.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <thread>
#include <utility>
#include <vector>

#include "coldstart/experiment/stages.hpp"

namespace coldstart::experiment::detail {

/// Threads of a run with `threads` (0: one per core).
inline int cell_threads(int threads) {
  return threads > 0 ? threads
                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

/// Calls job(i) for every i in [0, n) on up to `threads` threads (the calling thread is one),
/// each with one LibTorch and one OpenMP thread. Jobs must be independent: each draws only from
/// its own random streams and writes only its own outputs. After a job throws, no further job
/// starts; once the running ones end, the exception of the lowest failed index is rethrown.
/// The calling thread's LibTorch thread count is restored on return.
template <class Job>
void run_cells(int threads, std::size_t n, Job&& job) {
  const int saved_torch = at::get_num_threads();
  const int saved_omp = omp_get_max_threads();
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::exception_ptr> errors(n);
  const auto work = [&] {
    at::set_num_threads(1);  // LibTorch's pool; the shared OpenMP runtime's team size too
    omp_set_num_threads(1);
    for (std::size_t i = next++; i < n && !failed; i = next++) {
      try {
        job(i);
      } catch (...) {
        errors[i] = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> others;
  const auto extra = std::min<std::size_t>(static_cast<std::size_t>(cell_threads(threads)), n);
  for (std::size_t t = 1; t < extra; ++t) others.emplace_back(work);
  work();
  for (auto& t : others) t.join();
  at::set_num_threads(saved_torch);
  omp_set_num_threads(saved_omp);
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

/// The rows of n jobs computed by run_cells, each job appending to rows of its own, joined in job
/// order (so they do not depend on which thread finished first), and each job's seconds.
template <class Job>
std::pair<std::vector<ResultRow>, std::vector<double>> rows_of_cells(int threads, std::size_t n,
                                                                     Job&& job) {
  std::vector<std::vector<ResultRow>> job_rows(n);
  std::vector<double> seconds(n);
  run_cells(threads, n, [&](std::size_t j) {
    const auto t0 = std::chrono::steady_clock::now();
    job(j, job_rows[j]);
    seconds[j] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  });
  std::vector<ResultRow> rows;
  for (const auto& r : job_rows) rows.insert(rows.end(), r.begin(), r.end());
  return {std::move(rows), std::move(seconds)};
}

}  // namespace coldstart::experiment::detail
