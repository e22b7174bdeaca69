#pragma once
// LibTorch's intra-op thread count held for one scope (private; includes LibTorch). Shared by the
// embedders, SimCLR and the learners, so none leaves its own setting behind for the caller.

#include <ATen/Parallel.h>

namespace coldstart::detail {

/// Sets the calling thread's intra-op thread count to n for the scope (n <= 0: leaves it alone)
/// and restores it after. at::set_num_threads sets the calling thread's OpenMP team size (a
/// per-thread setting) and LibTorch's default for threads started later; restoring it keeps the
/// caller's default.
class IntraOpThreads {
 public:
  explicit IntraOpThreads(int n) : before_(at::get_num_threads()) {
    if (n > 0 && n != before_) at::set_num_threads(n);
  }
  ~IntraOpThreads() {
    if (at::get_num_threads() != before_) at::set_num_threads(before_);
  }
  IntraOpThreads(const IntraOpThreads&) = delete;
  IntraOpThreads& operator=(const IntraOpThreads&) = delete;

 private:
  int before_;
};

}  // namespace coldstart::detail
