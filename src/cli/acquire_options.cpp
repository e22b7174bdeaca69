// `coldstart acquire`: its options, declared once, and the command line -> AcquireOptions. The
// inputs an acquisition function needs come from its registry entry (Entry::input).
#include <filesystem>

#include "acquire.hpp"
#include "registry_options.hpp"

namespace coldstart::cli {

namespace {

using registry::Input;

/// "a, b" of the acquisition functions that read `in`.
std::string names_reading(Input in) {
  std::vector<std::string> names;
  for (const auto& e : registry::acquisitions().entries())
    if (e.input == in) names.push_back(e.name);
  return or_list(names);
}

/// UsageError unless the inputs given are the ones the acquisition function reads.
void check_inputs(const AcquireOptions& o, Input need) {
  const int sources = !o.probabilities.empty() + !o.mc_probabilities.empty() + !o.prob_maps.empty();
  if (sources != 1)
    throw UsageError("give exactly one of --probabilities, --mc-probabilities and --prob-maps");
  const std::string& s = o.strategy;
  if (need == Input::kMcProbs && o.mc_probabilities.empty())
    throw UsageError(s + " needs --mc-probabilities (T×n×C Monte-Carlo dropout passes)");
  if (need == Input::kProbMaps && o.prob_maps.empty())
    throw UsageError(s + " needs --prob-maps DIR");
  if (need != Input::kProbMaps && !o.prob_maps.empty())
    throw UsageError("--prob-maps goes with --strategy " + names_reading(Input::kProbMaps));
  if (need == Input::kProbsAndEmbeddings && (o.probabilities.empty() || o.features.empty()))
    throw UsageError(s + " needs --probabilities and --features");
  if (!o.features.empty() && need != Input::kProbsAndEmbeddings)
    throw UsageError("--features goes with --strategy " +
                     names_reading(Input::kProbsAndEmbeddings));
}

}  // namespace

CommandSpec acquire_spec() {
  CommandSpec spec("acquire",
                   "(--probabilities probs.npy | --mc-probabilities mc.npy | --prob-maps DIR) "
                   "--labelled done.csv --batch N --strategy NAME [--param NAME=VALUE] "
                   "--out next.csv");
  const auto& acqs = registry::acquisitions();
  spec.value<std::string>("probabilities",
                          "n×C class probabilities on the pool (.npy); ids from <stem>.ids.csv "
                          "or --ids")
      .value<std::string>("mc-probabilities",
                          "T×n×C Monte-Carlo dropout probabilities (.npy; " +
                              names_reading(Input::kMcProbs) +
                              "; other rules read their mean); ids from <stem>.ids.csv or --ids")
      .value<std::string>("features",
                          "n×D penultimate features (.npy), rows as in --probabilities (" +
                              names_reading(Input::kProbsAndEmbeddings) + ")")
      .value<std::string>("prob-maps",
                          "folder of foreground-probability maps <id>.npy (H×W) or <id>.png (" +
                              names_reading(Input::kProbMaps) + ")")
      .value<std::string>("ids", "CSV of ids (column id, optional path) for the rows")
      .value<std::string>("labelled",
                          "CSV with column id (and label, for threshold): samples already "
                          "labelled",
                          {.required = true})
      .value<Index>("batch", "number of samples to acquire (> 0)",
                    {.check = positive<Index>(), .required = true})
      .value<std::string>("strategy",
                          "the acquisition function; `coldstart strategies` lists their "
                          "parameters:" +
                              entry_lines(acqs),
                          {.check = registered_in(acqs), .required = true})
      .list("param", "NAME=VALUE: a parameter of the acquisition function; repeatable")
      .value<Index>("positive-class",
                    "threshold: column of the probabilities holding p(positive), i.e. --param "
                    "positive_class=N (>= 0)",
                    {.def = 1, .check = at_least<Index>(0)})
      .value<std::uint64_t>("seed", "random seed (ties, BADGE seeding)", {.def = 0})
      .value<std::string>("out", "CSV of the batch: id, path, score in annotation order",
                          {.check = not_empty(), .required = true});
  add_handoff_options(spec);
  return spec;
}

AcquireOptions parse_acquire(const std::vector<std::string>& args) {
  const Args a = acquire_spec().parse(args);
  AcquireOptions o;
  o.probabilities = a.str("probabilities");
  o.mc_probabilities = a.str("mc-probabilities");
  o.features = a.str("features");
  o.prob_maps = a.str("prob-maps");
  o.ids = a.str("ids");
  o.labelled = a.get<std::string>("labelled");
  o.batch = a.get<Index>("batch");
  o.strategy = a.get<std::string>("strategy");
  const auto& entry = registry::acquisitions().at(o.strategy);
  o.params =
      params_from_text(entry.params, a.list("param"), "acquisition function '" + o.strategy + "'");
  // --positive-class always reached threshold (default 1); given explicitly it must not clash.
  if (declares(entry.params, "positive_class") &&
      (a.given("positive-class") || !o.params.contains("positive_class")))
    set_param(o.params, "positive_class", a.get<Index>("positive-class"), "--positive-class");
  (void)make_acquisition(o.strategy, o.params);  // bad values: a usage error
  o.seed = a.get<std::uint64_t>("seed");
  o.out = a.get<std::string>("out");
  check_inputs(o, entry.input);
  o.handoff = handoff_options_from(a);
  std::vector<std::string> outputs = handoff_paths(o.handoff, o.out), inputs;
  outputs.push_back(o.out);
  outputs.push_back(manifest_path_for(o.out));
  for (const auto& in :
       {o.probabilities, o.mc_probabilities, o.features, o.prob_maps, o.ids, o.labelled})
    for (auto& f : with_sidecars(in)) inputs.push_back(std::move(f));
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!o.prob_maps.empty() && fs::is_directory(o.prob_maps, ec))  // every map is an input
    for (const auto& e : fs::directory_iterator(o.prob_maps, ec))
      if (e.path().extension() == ".npy") inputs.push_back(e.path().string());
  check_outputs_clear(outputs, inputs);
  return o;
}

}  // namespace coldstart::cli
