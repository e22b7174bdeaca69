#pragma once
// A bounded max-heap: the `cap` smallest candidates seen so far, for shortlists and exact k-NN
// checks that stream over rows without sorting them all.

#include <algorithm>
#include <vector>

#include "coldstart/types.hpp"

namespace coldstart::select::detail {

/// Adds `c` to `heap` (a max-heap by operator<, at most `cap` long) if it is among the `cap`
/// smallest seen so far. O(log cap).
template <class T>
void keep_smallest(std::vector<T>& heap, const T& c, Index cap) {
  if (static_cast<Index>(heap.size()) < cap) {
    heap.push_back(c);
    std::push_heap(heap.begin(), heap.end());
  } else if (c < heap.front()) {
    std::pop_heap(heap.begin(), heap.end());
    heap.back() = c;
    std::push_heap(heap.begin(), heap.end());
  }
}

}  // namespace coldstart::select::detail
