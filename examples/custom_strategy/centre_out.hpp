#pragma once
// A strategy coldstart does not contain: k-center started from the pool's most central sample.
// Greedy k-center (farthest-first) starts from a random row when nothing is labelled, so its
// first pick is often an outlier and its picks change with the seed. Starting from the sample
// nearest the mean makes the first label a typical image and the whole pick deterministic.

#include <algorithm>
#include <cmath>
#include <coldstart/params.hpp>
#include <coldstart/select/concept.hpp>
#include <limits>
#include <set>
#include <string>

namespace custom {

struct CentreOutParams {
  bool standardize = false;  ///< unused here; shows how a parameter is declared
  static constexpr auto fields() {
    return std::tuple{coldstart::param("standardize", &CentreOutParams::standardize,
                                       "z-score columns first (not implemented: must be false)")};
  }
  void validate() const {
    if (standardize) throw coldstart::InvalidArgument("centre-out: standardize is not supported");
  }
};

class CentreOut {
 public:
  using Params = CentreOutParams;
  explicit CentreOut(Params p = {}) { p.validate(); }

  coldstart::select::Selection select(coldstart::EmbeddingsView x, coldstart::Index budget,
                                      const coldstart::select::SelectionContext& ctx,
                                      coldstart::Rng&) const {
    using coldstart::Index;
    const Index n = x.rows();
    const std::set<Index> labelled(ctx.labelled.begin(), ctx.labelled.end());
    if (budget <= 0 || budget > n - static_cast<Index>(labelled.size()))
      throw coldstart::InvalidArgument("centre-out: budget " + std::to_string(budget) +
                                       " outside [1, unlabelled pool]");
    std::vector<double> d(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
    const auto lower = [&](const Eigen::RowVectorXf& c) {
      for (Index i = 0; i < n; ++i)
        d[i] = std::min(d[i], static_cast<double>((x.row(i) - c).squaredNorm()));
    };
    for (Index l : labelled) lower(x.row(l));
    coldstart::select::Selection s;
    if (labelled.empty()) {
      lower(x.colwise().mean());  // the mean first: the first pick is the most central row
    }
    while (s.size() < budget) {
      Index pick = -1;
      const bool first_central = labelled.empty() && s.size() == 0;
      for (Index i = 0; i < n; ++i) {
        if (labelled.count(i) || std::count(s.indices.begin(), s.indices.end(), i)) continue;
        if (pick < 0 || (first_central ? d[i] < d[pick] : d[i] > d[pick])) pick = i;
      }
      s.indices.push_back(pick);
      s.cluster.push_back(-1);
      s.distance.push_back(static_cast<float>(std::sqrt(d[pick])));
      if (first_central) std::fill(d.begin(), d.end(), std::numeric_limits<double>::infinity());
      lower(x.row(pick));
    }
    return s;
  }
};

static_assert(coldstart::select::InitialSelector<CentreOut>);

}  // namespace custom
