#pragma once
// `coldstart cluster`: a cluster label for every row of the embeddings, from the same
// clustering a clustering selector picks from (same algorithm, parameters and seed as `select`).
// parse_cluster -> ClusterOptions -> cluster(ClusterOptions) -> ClusterResult -> write(...).

#include <boost/json/object.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "cli.hpp"
#include "coldstart/cluster/concept.hpp"
#include "options.hpp"
#include "select.hpp"

namespace coldstart::cli {

struct ClusterOptions {
  std::string embeddings;                     ///< .npy from `coldstart embed`
  std::string ids;                            ///< its ids CSV ("" = <stem>.ids.csv)
  Index k = 0;                                ///< clusters
  std::string strategy = kDefaultClustering;  ///< a registered selector with a clustering
  boost::json::object params;                 ///< its parameters (--param)
  std::uint64_t seed = 0;
  std::string out;  ///< id,cluster,distance CSV; centroids in <stem>.centroids.npy
};

struct ClusterResult {
  ClusterOptions options;
  PoolEmbeddings pool;
  boost::json::object strategy;  ///< {name, params}
  cluster::Clustering clustering;
  io::CsvTable labels;  ///< id, cluster, distance per row, in the embeddings' order
};

/// The options of `coldstart cluster`, declared once (choices from the registry).
[[nodiscard]] CommandSpec cluster_spec();
/// Throws UsageError (a selector without a clustering, unknown parameter, bad value).
[[nodiscard]] ClusterOptions parse_cluster(const std::vector<std::string>& args);
/// Reads the embeddings and clusters them. Writes nothing. Throws IoError naming the file,
/// InvalidArgument (k larger than the pool).
[[nodiscard]] ClusterResult cluster(const ClusterOptions& o);
/// Writes the labels CSV, the centroids .npy and the manifest (last) as one transaction.
void write(const ClusterResult& r, const Invocation& inv, std::ostream& out);

/// `picks.csv` -> `picks.centroids.npy`.
[[nodiscard]] std::string centroids_path_for(const std::string& output);

}  // namespace coldstart::cli
