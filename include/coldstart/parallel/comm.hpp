#pragma once
// The Communicator concept: the few collective operations the streaming selectors need to run
// over rows split across processes (MPI ranks), and SerialComm, the one-process model that the
// non-MPI build uses. Every operation is deterministic and independent of how rows are split:
// sums are over integers (cluster/exact_sum.hpp turns float sums into those), minima and maxima
// are exact, and (distance, row) reductions break ties by the lower global row.

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "coldstart/error.hpp"
#include "coldstart/types.hpp"

namespace coldstart::parallel {

/// A candidate of a nearest/farthest search: its distance and global row (-1: none).
struct DistRow {
  double dist = std::numeric_limits<double>::infinity();
  std::int64_t row = -1;
};

/// The rows one process holds: view row i is global row first_row + i of total_rows.
struct LocalRows {
  EmbeddingsView x;      ///< this process's rows (any split: contiguous global rows)
  Index first_row = 0;   ///< global row of x.row(0)
  Index total_rows = 0;  ///< rows over all processes

  /// The whole pool in one process.
  explicit LocalRows(EmbeddingsView all) : x(all), total_rows(all.rows()) {}
  LocalRows(EmbeddingsView part, Index first, Index total)
      : x(part), first_row(first), total_rows(total) {}
  [[nodiscard]] bool owns(Index row) const noexcept {
    return row >= first_row && row < first_row + x.rows();
  }
};

/// Collective operations over all processes; every process calls each in the same order.
/// `sum` adds integer arrays element-wise (exact); `max` takes element-wise maxima; `min_loc`
/// and `max_loc` keep, element-wise, the smallest (largest) distance, ties to the lower row;
/// `broadcast` copies root's floats to all; `all_gather` concatenates every process's floats in
/// rank order; `first_failure` returns the message of the lowest rank whose `message` is not
/// empty ("" when none) — the building block of `collective` below.
template <class C>
concept Communicator = requires(const C& c, std::span<std::int64_t> i, std::span<double> d,
                                std::span<DistRow> p, std::span<float> f, std::span<const float> cf,
                                const std::string& s) {
  { c.rank() } -> std::convertible_to<int>;
  { c.size() } -> std::convertible_to<int>;
  c.sum(i);
  c.max(d);
  c.min_loc(p);
  c.max_loc(p);
  c.broadcast(f, 0);
  { c.all_gather(cf) } -> std::same_as<std::vector<float>>;
  { c.first_failure(s) } -> std::same_as<std::string>;
};

/// One process: every collective is the identity.
struct SerialComm {
  [[nodiscard]] int rank() const noexcept { return 0; }
  [[nodiscard]] int size() const noexcept { return 1; }
  void sum(std::span<std::int64_t>) const noexcept {}
  void max(std::span<double>) const noexcept {}
  void min_loc(std::span<DistRow>) const noexcept {}
  void max_loc(std::span<DistRow>) const noexcept {}
  void broadcast(std::span<float>, int) const noexcept {}
  [[nodiscard]] std::vector<float> all_gather(std::span<const float> v) const {
    return {v.begin(), v.end()};
  }
  [[nodiscard]] std::string first_failure(const std::string& message) const { return message; }
};
static_assert(Communicator<SerialComm>);

/// Runs `fn` on every process; if it throws on any, every process throws coldstart::Error with
/// the message of the lowest failing rank, so no process is left waiting in a later collective.
/// (`fn` itself must not call collectives after it may have thrown on another rank.)
template <Communicator C, class Fn>
auto collective(const C& comm, Fn&& fn) -> decltype(fn()) {
  std::string failure;
  using R = decltype(fn());
  if constexpr (std::is_void_v<R>) {
    try {
      fn();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (auto m = comm.first_failure(failure); !m.empty()) throw Error(m);
  } else {
    R out{};
    try {
      out = fn();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (auto m = comm.first_failure(failure); !m.empty()) throw Error(m);
    return out;
  }
}

/// Every process passes its own `value` of an input that must be the same everywhere (the
/// options, the manifest). If any differs from rank 0's, every process throws InvalidArgument
/// "ranks disagree on <what>: rank R has '<value>', rank 0 '<value>'" (the lowest such rank R).
template <Communicator C>
void check_agree(const C& comm, std::string_view what, const std::string& value) {
  std::vector<float> bytes(value.begin(), value.end());  // exact for bytes (|b| < 2^24)
  std::vector<float> root = bytes;
  std::vector<float> n0{static_cast<float>(bytes.size())};
  comm.broadcast(n0, 0);
  root.resize(static_cast<std::size_t>(n0[0]));
  comm.broadcast(root, 0);
  const std::string v0(root.begin(), root.end());
  const std::string mine =
      v0 == value ? std::string()
                  : coldstart::detail::format("ranks disagree on {}: rank {} has '{}', rank 0 '{}'",
                                              what, comm.rank(), value, v0);
  if (auto m = comm.first_failure(mine); !m.empty()) throw InvalidArgument(m);
}

/// One pass over the local rows: the largest |x| over all processes. Throws NumericError
/// "<where>: embedding row R contains NaN or Inf" with the lowest such global row R, on every
/// process.
template <Communicator C>
[[nodiscard]] double finite_max_abs(const C& comm, const LocalRows& rows, const char* where) {
  const Index n = rows.x.rows();
  Index bad = std::numeric_limits<Index>::max();
  double max_abs = 0.0;
#pragma omp parallel for schedule(static) reduction(min : bad) reduction(max : max_abs)
  for (Index i = 0; i < n; ++i) {
    const auto r = rows.x.row(i);
    if (!r.allFinite())
      bad = std::min(bad, i);
    else
      max_abs = std::max(max_abs, static_cast<double>(r.cwiseAbs().maxCoeff()));
  }
  const bool none = bad == std::numeric_limits<Index>::max();
  std::vector<DistRow> first{{none ? std::numeric_limits<double>::infinity() : 0.0,
                              none ? -1 : static_cast<std::int64_t>(rows.first_row + bad)}};
  comm.min_loc(first);
  if (first[0].row >= 0)
    throw NumericError(
        coldstart::detail::format("{}: embedding row {} contains NaN or Inf", where, first[0].row));
  std::vector<double> m{max_abs};
  comm.max(m);
  return m[0];
}

/// Global row `row` on every process (its owner broadcasts it). Two collectives.
template <Communicator C>
[[nodiscard]] Eigen::VectorXf fetch_row(const C& comm, const LocalRows& rows, Index row) {
  std::vector<double> owner{rows.owns(row) ? static_cast<double>(comm.rank()) : -1.0};
  comm.max(owner);
  Eigen::VectorXf v = rows.owns(row) ? Eigen::VectorXf(rows.x.row(row - rows.first_row).transpose())
                                     : Eigen::VectorXf::Zero(rows.x.cols());
  comm.broadcast(std::span<float>(v.data(), static_cast<std::size_t>(v.size())),
                 static_cast<int>(owner[0]));
  return v;
}

}  // namespace coldstart::parallel
