// `coldstart cluster`: every row's cluster from the clustering a selector picks from.
#include "cluster.hpp"

#include <filesystem>
#include <iostream>

#include "coldstart/io/csv.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/io/npy.hpp"
#include "registry_options.hpp"

namespace fs = std::filesystem;

namespace coldstart::cli {

namespace {

/// The registered selectors that pick from one clustering (AnySelector::has_clustering).
std::vector<std::string> clustering_selectors() {
  std::vector<std::string> names;
  for (const auto& e : registry::selectors().entries())
    if (e.make({}, {}).has_clustering()) names.push_back(e.name);
  return names;
}

}  // namespace

std::string centroids_path_for(const std::string& output) {
  return sibling_path(output, ".centroids.npy");
}

CommandSpec cluster_spec() {
  CommandSpec spec("cluster",
                   "--embeddings emb.npy --k K [--strategy NAME] [--param NAME=VALUE] --seed S "
                   "--out clusters.csv");
  const std::vector<std::string> names = clustering_selectors();
  spec.value<std::string>("embeddings",
                          "embeddings .npy from `coldstart embed` (ids from <stem>.ids.csv or "
                          "--ids)",
                          {.check = not_empty(), .required = true})
      .value<std::string>("ids", "CSV of ids (column id) for --embeddings")
      .value<Index>("k", "number of clusters (> 0, at most the pool size)",
                    {.check = positive<Index>(), .required = true})
      .value<std::string>("strategy",
                          "the selector whose clustering to report: " + or_list(names) +
                              " (select --strategy NAME --budget K --seed S, no --labelled, "
                              "picks from exactly this clustering)",
                          {.def = kDefaultClustering, .check = one_of(names)})
      .list("param", "NAME=VALUE: a parameter of that selector (e.g. standardize=false)")
      .value<std::uint64_t>("seed", "random seed (as for select)", {.def = 0})
      .value<std::string>("out",
                          "CSV id, cluster, distance (to the cluster's centre) for every row; "
                          "centroids go to <stem>.centroids.npy (k×d float32)",
                          {.check = not_empty(), .required = true});
  return spec;
}

ClusterOptions parse_cluster(const std::vector<std::string>& args) {
  const Args a = cluster_spec().parse(args);
  ClusterOptions o;
  o.embeddings = a.get<std::string>("embeddings");
  o.ids = a.str("ids");
  o.k = a.get<Index>("k");
  o.strategy = a.get<std::string>("strategy");
  o.params = params_from_text(registry::selectors().at(o.strategy).params, a.list("param"),
                              "selector '" + o.strategy + "'");
  (void)make_selector(o.strategy, o.params);  // bad values: a usage error
  o.seed = a.get<std::uint64_t>("seed");
  o.out = a.get<std::string>("out");
  std::vector<std::string> inputs;
  for (const auto& in : {o.embeddings, o.ids})
    for (auto& f : with_sidecars(in)) inputs.push_back(std::move(f));
  check_outputs_clear({o.out, centroids_path_for(o.out), manifest_path_for(o.out)}, inputs);
  return o;
}

ClusterResult cluster(const ClusterOptions& o) {
  const registry::AnySelector selector = make_selector(o.strategy, o.params);
  check_output_folder(o.out);
  ClusterResult r{.options = o, .pool = read_embeddings(o.embeddings, o.ids)};
  const Index n = r.pool.rows().rows();  // one process: the whole (memory-mapped) matrix
  COLDSTART_IO_CHECK(o.k <= n, o.embeddings, "--k {} exceeds the pool of {} rows", o.k, n);
  r.strategy = selector.describe();
  Rng rng(o.seed);  // select's generator: Rng(seed), so the same seed gives the same clustering
  r.clustering = selector.clustering(r.pool.rows(), o.k, rng);
  r.labels = {{"id", "cluster", "distance"}, {}};
  for (Index i = 0; i < n; ++i)
    r.labels.rows.push_back({r.pool.e.ids[static_cast<std::size_t>(i)],
                             std::to_string(r.clustering.assignment[static_cast<std::size_t>(i)]),
                             format_number(r.clustering.distance[i], 9)});
  return r;
}

void write(const ClusterResult& r, const Invocation& inv, std::ostream& out) {
  const ClusterOptions& o = r.options;
  boost::json::object m = start_manifest(inv);
  m["inputs"] = r.pool.inputs;
  if (!r.pool.encoder.empty()) m["encoder"] = r.pool.encoder;
  m["strategy"] = r.strategy;
  m["seed"] = o.seed;
  m["k"] = o.k;
  m["objective"] = r.clustering.objective;
  m["iterations"] = r.clustering.iterations;
  const auto& params = r.strategy.at("params").as_object();
  const bool z = params.contains("standardize") && params.at("standardize").is_bool() &&
                 params.at("standardize").as_bool();
  const bool white = params.contains("whiten") && params.at("whiten").is_int64() &&
                     params.at("whiten").as_int64() > 0;
  const bool unit = params.contains("unit_rows") && params.at("unit_rows").is_bool() &&
                    params.at("unit_rows").as_bool();
  m["space"] = std::string(white ? "PCA-whitened " + std::string(z ? "z-scores" : "embeddings") +
                                       " (the pool's top principal axes, unit variance)"
                           : z ? "standardized columns (z-scores over the pool)"
                               : "the embeddings as given") +
               (unit ? ", each row scaled to unit length" : "") +
               (white || z || unit ? "; distances and centroids there" : "");
  if (!r.clustering.medoids.empty()) {
    boost::json::array med;
    for (const Index i : r.clustering.medoids)
      med.emplace_back(r.pool.e.ids[static_cast<std::size_t>(i)]);
    m["medoids"] = std::move(med);
  }
  io::OutputTransaction tx;  // a failure anywhere leaves every file as it was
  tx.add(o.out, io::format_csv(r.labels));
  const std::string centroids = centroids_path_for(o.out);
  tx.add_with(centroids,
              [&](const std::string& tmp) { io::write_npy(tmp, r.clustering.centroids); });
  boost::json::object outputs;
  outputs["labels"] = output_entry(tx, o.out);
  outputs["centroids"] = output_entry(tx, centroids);
  m["outputs"] = std::move(outputs);
  const std::string manifest_path = manifest_path_for(o.out);
  tx.add(manifest_path, io::to_json_text(m));
  tx.commit();

  std::vector<Index> size(static_cast<std::size_t>(o.k), 0);
  for (const Index c : r.clustering.assignment) ++size[static_cast<std::size_t>(c)];
  out << "cluster  size\n";
  for (Index c = 0; c < o.k; ++c) out << c << "  " << size[static_cast<std::size_t>(c)] << "\n";
  out << "wrote " << o.out << ", " << centroids << ", " << manifest_path << " (strategy "
      << o.strategy << ", k " << o.k << ", seed " << o.seed << ")\n";
}

}  // namespace coldstart::cli
