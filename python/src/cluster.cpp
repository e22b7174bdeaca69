// coldstart._core clustering: k-means (Lloyd / Hamerly), mini-batch k-means, FasterPAM, and the
// nearest-centre / distance helpers behind predict and transform. Each fit runs without the GIL.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <string>

#include "arrays.hpp"
#include "bindings.hpp"
#include "coldstart/cluster.hpp"

namespace coldstart::python {

namespace {

using namespace coldstart::cluster;

/// (centroids, labels, distances, objective, iterations, medoids) of a fit, as numpy arrays.
nb::tuple to_python(Clustering&& c) {
  auto medoids = to_numpy(std::move(c.medoids));
  return nb::make_tuple(to_numpy(std::move(c.centroids)), to_numpy(std::move(c.assignment)),
                        to_numpy(std::move(c.distance)), c.objective, c.iterations, medoids);
}

/// The k-means variant named by (init, algorithm); `initial` non-empty: one run from it.
template <class Init, template <class> class Step>
Clustering kmeans_with(EmbeddingsView x, Index k, const Eigen::Map<const RowMatrixXf>* initial,
                       const KMeansParams& p, Rng& rng) {
  const KMeans<Init, ReseedFarthest, Step> km(p);
  return initial ? km.fit(x, *initial) : km.fit(x, k, rng);
}

template <template <class> class Step>
Clustering kmeans_step(EmbeddingsView x, Index k, const std::string& init,
                       const Eigen::Map<const RowMatrixXf>* initial, const KMeansParams& p,
                       Rng& rng) {
  if (initial || init == "random") return kmeans_with<RandomRows, Step>(x, k, initial, p, rng);
  if (init == "k-means++") return kmeans_with<GreedyKMeansPlusPlus, Step>(x, k, nullptr, p, rng);
  throw InvalidArgument("KMeans: init '" + init + "' (expected random, k-means++ or an array)");
}

Clustering kmeans(EmbeddingsView x, Index k, const std::string& init, const std::string& algorithm,
                  const Eigen::Map<const RowMatrixXf>* initial, const KMeansParams& p, Rng& rng) {
  if (algorithm == "hamerly") return kmeans_step<HamerlyStep>(x, k, init, initial, p, rng);
  if (algorithm == "lloyd") return kmeans_step<LloydStep>(x, k, init, initial, p, rng);
  throw InvalidArgument("KMeans: algorithm '" + algorithm + "' (expected lloyd or hamerly)");
}

MedoidInit medoid_init(const std::string& name) {
  if (name == "random") return MedoidInit::kRandom;
  if (name == "build") return MedoidInit::kBuild;
  if (name == "k-means++") return MedoidInit::kKMeansPlusPlus;
  throw InvalidArgument("KMedoids: init '" + name + "' (expected random, build or k-means++)");
}

/// n×k Euclidean distances of the rows of x to the rows of c (scikit-learn's transform).
RowMatrixXf distances(EmbeddingsView x, EmbeddingsView c) {
  RowMatrixXf out(x.rows(), c.rows());
  for_each_sq_distance_tile(x, c, kDefaultRowBlock, kDefaultColBlock,
                            [&](Index r0, Index c0, const auto& tile) {
                              out.block(r0, c0, tile.rows(), tile.cols()) = tile.cwiseSqrt();
                            });
  return out;
}

}  // namespace

void bind_cluster(nb::module_& m) {
  m.def(
      "kmeans",
      [](MatrixIn x, Index k, const std::string& init, std::optional<MatrixIn> initial,
         const std::string& algorithm, int n_init, int max_iter, double tol, std::uint64_t seed) {
        const KMeansParams p{.n_init = n_init, .max_iter = max_iter, .tol = tol};
        Clustering c;
        {
          nb::gil_scoped_release release;
          Rng rng(seed);
          const auto start = initial ? std::optional(view(*initial)) : std::nullopt;
          c = kmeans(view(x), k, init, algorithm, start ? &*start : nullptr, p, rng);
        }
        return to_python(std::move(c));
      },
      nb::arg("x").noconvert(), nb::arg("k"), nb::arg("init"),
      nb::arg("initial").noconvert().none(), nb::arg("algorithm"), nb::arg("n_init"),
      nb::arg("max_iter"), nb::arg("tol"), nb::arg("seed"),
      "k-means of the rows of x: (centroids, labels, distances, inertia, n_iter, medoids).");

  m.def(
      "mini_batch_kmeans",
      [](MatrixIn x, Index k, const std::string& init, Index batch_size, int max_steps, int n_init,
         std::uint64_t seed) {
        const MiniBatchKMeansParams p{
            .batch_size = batch_size, .max_steps = max_steps, .n_init = n_init};
        Clustering c;
        {
          nb::gil_scoped_release release;
          Rng rng(seed);
          if (init == "random")
            c = MiniBatchKMeans<RandomRows>(p).fit(view(x), k, rng);
          else if (init == "k-means++")
            c = MiniBatchKMeans<GreedyKMeansPlusPlus>(p).fit(view(x), k, rng);
          else
            throw InvalidArgument("MiniBatchKMeans: init '" + init +
                                  "' (expected random or k-means++)");
        }
        return to_python(std::move(c));
      },
      nb::arg("x").noconvert(), nb::arg("k"), nb::arg("init"), nb::arg("batch_size"),
      nb::arg("max_steps"), nb::arg("n_init"), nb::arg("seed"),
      "Mini-batch k-means (Sculley 2010): same tuple as kmeans.");

  m.def(
      "faster_pam",
      [](MatrixIn x, Index k, const std::string& init, std::optional<IndexIn> initial, int max_iter,
         std::uint64_t seed) {
        const FasterPamParams p{.init = medoid_init(init), .max_iter = max_iter};
        Clustering c;
        {
          nb::gil_scoped_release release;
          Rng rng(seed);
          if (initial) {
            const auto s = span_of(*initial);
            c = FasterPam<>(p).fit(view(x), std::vector<Index>(s.begin(), s.end()));
          } else {
            c = FasterPam<>(p).fit(view(x), k, rng);
          }
        }
        return to_python(std::move(c));
      },
      nb::arg("x").noconvert(), nb::arg("k"), nb::arg("init"),
      nb::arg("initial").noconvert().none(), nb::arg("max_iter"), nb::arg("seed"),
      "FasterPAM k-medoids (Schubert & Rousseeuw 2021): same tuple as kmeans, objective = sum of "
      "distances.");

  m.def(
      "assign_nearest",
      [](MatrixIn x, MatrixIn centroids) {
        std::vector<Index> labels;
        Eigen::VectorXf sq;
        {
          nb::gil_scoped_release release;
          cluster::assign_nearest(view(x), view(centroids), labels, sq);
        }
        return nb::make_tuple(to_numpy(std::move(labels)), to_numpy(std::move(sq)));
      },
      nb::arg("x").noconvert(), nb::arg("centroids").noconvert(),
      "Nearest centroid of each row (ties: lower index) and the squared distance to it.");

  m.def(
      "distances",
      [](MatrixIn x, MatrixIn centroids) {
        RowMatrixXf d;
        {
          nb::gil_scoped_release release;
          d = distances(view(x), view(centroids));
        }
        return to_numpy(std::move(d));
      },
      nb::arg("x").noconvert(), nb::arg("centroids").noconvert(),
      "n×k Euclidean distances of the rows of x to the centroids.");

  m.def(
      "view_address", [](MatrixIn x) { return reinterpret_cast<std::uintptr_t>(x.data()); },
      nb::arg("x").noconvert(),
      "Address of the memory the library reads for x (tests: equal to x.ctypes.data means no "
      "copy).");

  m.def(
      "gemm_backend", [] { return std::string(cluster::detail::gemm_backend()); },
      "Which SGEMM the distances use: \"openblas (CORE)\" (loaded at run time; CORE is "
      "its kernel family, e.g. SkylakeX) or \"eigen\".");
}

}  // namespace coldstart::python
