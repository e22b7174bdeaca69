// coldstart._torch experiment: ExperimentConfig field by field and run_experiment. Strategies are
// registry names; a Python function becomes one through register_selector (python/coldstart/
// _libtorch.py does it), and the registry entry takes the GIL when the experiment calls it.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <exception>
#include <ostream>
#include <streambuf>

#include "../params.hpp"
#include "bindings.hpp"
#include "coldstart/experiment/experiment.hpp"

namespace coldstart::python {

namespace {

using experiment::ExperimentConfig;

/// The experiment's progress log: kept whole, and each line handed to a Python callable (taking
/// the GIL) as it ends. An exception in the callable stops the calls and is raised after the run.
class LineLog : public std::streambuf {
 public:
  explicit LineLog(nb::object sink) : sink_(std::move(sink)) {}
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  void rethrow_sink_error() const {
    if (error_) std::rethrow_exception(error_);
  }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return 0;
    const char ch = static_cast<char>(c);
    text_ += ch;
    if (ch != '\n') {
      line_ += ch;
      return c;
    }
    if (!sink_.is_none() && !error_) {
      nb::gil_scoped_acquire gil;
      try {
        sink_(line_);
      } catch (...) {
        error_ = std::current_exception();
      }
    }
    line_.clear();
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) overflow(static_cast<unsigned char>(s[i]));
    return n;
  }

 private:
  nb::object sink_;
  std::string text_, line_;
  std::exception_ptr error_;
};

[[nodiscard]] nb::list rows_of(const std::vector<report::ResultRow>& rows) {
  nb::list out;
  for (const auto& r : rows) {
    nb::dict d;
    d["dataset"] = r.dataset;
    d["task"] = r.task;
    d["strategy"] = r.strategy;
    d["encoder"] = r.encoder;
    d["learner"] = r.learner;
    d["phase"] = r.phase;
    d["budget"] = r.budget;
    d["seed"] = r.seed;
    d["metric"] = r.metric;
    d["value"] = r.value;
    out.append(d);
  }
  return out;
}

void bind_segmentation(nb::class_<ExperimentConfig>& cfg) {
  using S = ExperimentConfig::Segmentation;
  nb::class_<S>(cfg, "Segmentation",
                "Settings of segmentation tasks (ExperimentConfig.segmentation)")
      .def(nb::init<>())
      .def_rw("strategies", &S::strategies)
      .def_rw("encoders", &S::encoders)
      .def_rw("budgets", &S::budgets)
      .def_rw("clip_budgets", &S::clip_budgets)
      .def_rw("random_draws", &S::random_draws)
      .def_rw("seeds", &S::seeds)
      .def_rw("epochs", &S::epochs)
      .def_rw("active_strategies", &S::active_strategies);
}

void bind_config(nb::module_& m) {
  using C = ExperimentConfig;
  nb::class_<C> cfg(m, "ExperimentConfig",
                    "experiment::ExperimentConfig (include/coldstart/experiment/experiment.hpp): "
                    "every field, same name, same default");
  bind_segmentation(cfg);
  cfg.def(nb::init<>())
      .def_rw("data_dir", &C::data_dir)
      .def_rw("out_dir", &C::out_dir)
      .def_rw("dataset_name", &C::dataset_name)
      .def_rw("tasks", &C::tasks)
      .def_rw("positive", &C::positive)
      .def_rw("mask_set", &C::mask_set)
      .def_rw("strategies", &C::strategies)
      .def_rw("encoders", &C::encoders)
      .def_rw("main_encoder", &C::main_encoder)
      .def_rw("budgets", &C::budgets)
      .def_rw("clip_budgets", &C::clip_budgets)
      .def_rw("random_draws", &C::random_draws)
      .def_rw("seeds", &C::seeds)
      .def_rw("split_seed", &C::split_seed)
      .def_rw("active", &C::active)
      .def_rw("active_initial", &C::active_initial)
      .def_rw("batch", &C::batch)
      .def_rw("rounds", &C::rounds)
      .def_rw("active_strategies", &C::active_strategies)
      .def_rw("segmentation", &C::segmentation)
      .def_rw("classifier", &C::classifier)
      .def_rw("segmenter", &C::segmenter)
      .def_rw("classification_acquisition", &C::classification_acquisition)
      .def_rw("mc_passes", &C::mc_passes)
      .def_rw("segmentation_acquisition", &C::segmentation_acquisition)
      .def_rw("resolution", &C::resolution)
      .def_rw("pixel_resolution", &C::pixel_resolution)
      .def_rw("epochs", &C::epochs)
      .def_rw("width", &C::width)
      .def_rw("ssl_steps", &C::ssl_steps)
      .def_rw("threads", &C::threads)
      .def_rw("models_dir", &C::models_dir)
      .def_rw("cache_dir", &C::cache_dir)
      .def_rw("grouped_split", &C::grouped_split)
      .def_rw("duplicate_correlation", &C::duplicate_correlation)
      .def_rw("seed", &C::seed)
      .def_rw("fresh", &C::fresh)
      .def("apply_paper_protocol", &C::apply_paper_protocol)
      .def("validate", &C::validate)
      .def(
          "to_dict", [](const C& c) { return to_python(experiment::to_json(c)); },
          "The fields that decide the results (the manifest's record).");
}

}  // namespace

void bind_experiment(nb::module_& m) {
  bind_config(m);
  m.def(
      "run_experiment",
      [](const ExperimentConfig& cfg, nb::object sink) {
        LineLog buf(std::move(sink));
        experiment::ExperimentOutput out;
        {
          nb::gil_scoped_release release;
          std::ostream log(&buf);
          out = experiment::run_experiment(cfg, log);
        }
        buf.rethrow_sink_error();
        nb::dict d;
        d["rows"] = rows_of(out.rows);
        d["results_csv"] = out.results_csv;
        d["results_md"] = out.results_md;
        d["manifest"] = out.manifest;
        d["plots"] = out.plots;
        d["seconds"] = out.seconds;
        d["cells_computed"] = out.cells_computed;
        d["cells_reused"] = out.cells_reused;
        d["log"] = buf.text();
        return d;
      },
      nb::arg("config"), nb::arg("log").none(),
      "Runs the experiment without the GIL; `log(line)` hears each progress line.");
}

}  // namespace coldstart::python
