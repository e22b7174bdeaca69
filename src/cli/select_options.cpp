// `coldstart select`: its options, declared once, and the command line -> SelectOptions.
#include "registry_options.hpp"
#include "select.hpp"

namespace coldstart::cli {

CommandSpec select_spec() {
  CommandSpec spec(
      "select",
      "(--embeddings emb.npy|emb.shards.json | --images DIR) --budget N [--strategy NAME] "
      "[--param NAME=VALUE] [--labelled done.csv] [--stratify-by COLUMN] --seed S "
      "--out picks.csv");
  const auto& selectors = registry::selectors();
  spec.value<std::string>("embeddings",
                          "embeddings .npy from `coldstart embed` (ids from <stem>.ids.csv or "
                          "--ids), memory-mapped; or a shard manifest <stem>.shards.json")
      .value<std::string>("ids", "CSV of ids (column id, optional path) for --embeddings")
      .value<std::string>("images", "embed this folder (or dataset folder) first with --encoder")
      .value<std::string>("split", "dataset folders: select only from this split", {.def = ""})
      .value<Index>("budget", "number of samples to pick (> 0)",
                    {.check = positive<Index>(), .required = true})
      .value<std::string>(
          "strategy",
          "the selector (default " + std::string(kDefaultStrategy) +
              "); `coldstart strategies` lists their parameters:" + entry_lines(selectors),
          {.def = kDefaultStrategy, .check = registered_in(selectors)})
      .list("param",
            "NAME=VALUE: a parameter of the selector (e.g. k_nn=30); repeatable; unknown names "
            "and bad values are refused")
      .value<Index>("pseudo-classes",
                    "probcover: clusters of the purity rule for δ, i.e. --param "
                    "n_pseudo_classes=N (0 = library default)",
                    {.def = 0, .check = at_least<Index>(0)})
      .value<std::string>("labelled",
                          "CSV with column id: samples already labelled (never picked; they "
                          "cover their clusters)")
      .value<std::string>("stratify-by",
                          "spread picks over the values of this metadata column (site, "
                          "scanner...)")
      .value<std::string>("metadata",
                          "CSV with columns id and the --stratify-by column (default: the "
                          "dataset's labels.csv)")
      .value<std::string>(
          "engine",
          "auto, memory or streaming: streaming runs kmeans-centroid, kcenter, kmeans-paper, "
          "typiclust and probcover out of core (rows read from the memory map, no n×d copy; "
          "docs/scale.md); the first three also under mpirun; auto streams them from 1 GiB of "
          "embeddings",
          {.def = "auto", .check = one_of({"auto", "memory", "streaming"})})
      .value<std::uint64_t>("seed", "random seed", {.def = 0})
      .value<std::string>("out", "picks CSV: id, path, cluster, distance in annotation order",
                          {.check = not_empty(), .required = true});
  add_handoff_options(spec);
  add_encoder_options(spec, "encoder-param");
  return spec;
}

namespace {

/// The selector's parameters: --param, then --pseudo-classes where the selector declares
/// n_pseudo_classes (other selectors ignore it, as they always have).
boost::json::object selector_params(const Args& a, const std::string& strategy) {
  const auto& declared = registry::selectors().at(strategy).params;
  boost::json::object p =
      params_from_text(declared, a.list("param"), "selector '" + strategy + "'");
  const Index pseudo = a.get<Index>("pseudo-classes");
  if (pseudo > 0 && declares(declared, "n_pseudo_classes"))
    set_param(p, "n_pseudo_classes", pseudo, "--pseudo-classes");
  (void)make_selector(strategy, p);  // bad values: a usage error now, not after the embedding
  return p;
}

}  // namespace

SelectOptions parse_select(const std::vector<std::string>& args) {
  const Args a = select_spec().parse(args);
  if (a.has("embeddings") == a.has("images"))
    throw UsageError("give exactly one of --embeddings and --images");
  if (a.has("ids") && !a.has("embeddings")) throw UsageError("--ids needs --embeddings");
  if (a.has("metadata") && !a.has("stratify-by"))
    throw UsageError("--metadata needs --stratify-by");
  SelectOptions o;
  o.embeddings = a.str("embeddings");
  o.ids = a.str("ids");
  o.images = a.str("images");
  o.split = a.get<std::string>("split");
  o.budget = a.get<Index>("budget");
  o.strategy = a.get<std::string>("strategy");
  o.params = selector_params(a, o.strategy);
  o.labelled = a.str("labelled");
  o.stratify_by = a.str("stratify-by");
  o.metadata = a.str("metadata");
  o.seed = a.get<std::uint64_t>("seed");
  o.engine = a.get<std::string>("engine");
  o.out = a.get<std::string>("out");
  if (!o.images.empty()) o.embed = encoder_options_from(a, "encoder-param");
  o.handoff = handoff_options_from(a);
  std::vector<std::string> outputs = handoff_paths(o.handoff, o.out), inputs;
  outputs.push_back(o.out);
  outputs.push_back(manifest_path_for(o.out));
  for (const auto& in : {o.embeddings, o.ids, o.images, o.labelled, o.metadata})
    for (auto& f : with_sidecars(in)) inputs.push_back(std::move(f));
  check_outputs_clear(outputs, inputs);
  return o;
}

}  // namespace coldstart::cli
