#pragma once
// MpiComm: parallel::Communicator over an MPI communicator (Boost.MPI), so the streaming
// selectors run with their rows split over ranks. Available when coldstart is built with MPI
// (COLDSTART_WITH_MPI, target coldstart::mpi); a user's MPI program passes its own communicator.

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/collectives/all_gatherv.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/operations.hpp>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "coldstart/parallel/comm.hpp"

namespace coldstart::parallel {

/// Every collective is one or two MPI reductions over builtin types (MPI_SUM on int64, MPI_MAX /
/// MPI_MIN on double and int64), so results are exact and do not depend on the reduction tree.
/// (distance, row) reductions: the extreme distance first, then the lowest row holding it.
/// @code
///   boost::mpi::environment env(argc, argv);
///   parallel::MpiComm comm;                      // MPI_COMM_WORLD
///   auto s = select::StreamingKCenter<parallel::MpiComm>{}.select(my_rows, 100, {}, comm, rng);
/// @endcode
class MpiComm {
 public:
  explicit MpiComm(boost::mpi::communicator c = {}) : c_(std::move(c)) {}

  [[nodiscard]] int rank() const { return c_.rank(); }
  [[nodiscard]] int size() const { return c_.size(); }

  void sum(std::span<std::int64_t> v) const { reduce(v, std::plus<std::int64_t>()); }
  void max(std::span<double> v) const { reduce(v, boost::mpi::maximum<double>()); }
  void min_loc(std::span<DistRow> v) const { extreme_loc(v, false); }
  void max_loc(std::span<DistRow> v) const { extreme_loc(v, true); }
  void broadcast(std::span<float> v, int root) const {
    if (!v.empty()) boost::mpi::broadcast(c_, v.data(), static_cast<int>(v.size()), root);
  }
  [[nodiscard]] std::vector<float> all_gather(std::span<const float> v) const {
    std::vector<int> sizes;
    boost::mpi::all_gather(c_, static_cast<int>(v.size()), sizes);
    std::size_t total = 0;
    for (int s : sizes) total += static_cast<std::size_t>(s);
    std::vector<float> out(total);
    const float none = 0.0f;  // a valid pointer for ranks with nothing to send
    if (total > 0) boost::mpi::all_gatherv(c_, v.empty() ? &none : v.data(), out.data(), sizes);
    return out;
  }
  [[nodiscard]] std::string first_failure(const std::string& message) const {
    int failing = message.empty() ? c_.size() : c_.rank();
    int lowest = 0;
    boost::mpi::all_reduce(c_, failing, lowest, boost::mpi::minimum<int>());
    if (lowest == c_.size()) return "";
    int len = static_cast<int>(message.size());
    boost::mpi::broadcast(c_, len, lowest);
    std::vector<char> text(message.begin(), message.end());
    text.resize(static_cast<std::size_t>(len));
    if (len > 0) boost::mpi::broadcast(c_, text.data(), len, lowest);
    return {text.begin(), text.end()};
  }

  [[nodiscard]] const boost::mpi::communicator& communicator() const noexcept { return c_; }

 private:
  template <class T, class Op>
  void reduce(std::span<T> v, Op op) const {
    if (v.empty()) return;
    std::vector<T> out(v.size());
    boost::mpi::all_reduce(c_, v.data(), static_cast<int>(v.size()), out.data(), op);
    std::copy(out.begin(), out.end(), v.begin());
  }
  void extreme_loc(std::span<DistRow> v, bool largest) const {
    std::vector<double> d(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) d[i] = largest ? -v[i].dist : v[i].dist;
    reduce(std::span<double>(d), boost::mpi::minimum<double>());
    constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::max();
    std::vector<std::int64_t> r(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double mine = largest ? -v[i].dist : v[i].dist;
      r[i] = mine == d[i] && v[i].row >= 0 ? v[i].row : kNone;
    }
    reduce(std::span<std::int64_t>(r), boost::mpi::minimum<std::int64_t>());
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = {largest ? -d[i] : d[i], r[i] == kNone ? -1 : r[i]};
  }

  boost::mpi::communicator c_;
};
static_assert(Communicator<MpiComm>);

}  // namespace coldstart::parallel
