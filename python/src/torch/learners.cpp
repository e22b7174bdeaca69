// coldstart._torch learners: the registry's feature learners (those reading embeddings) by name:
// fit on embeddings and labels, predict class probabilities, Monte-Carlo dropout passes.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <mutex>
#include <optional>

#include "../arrays.hpp"
#include "../params.hpp"
#include "bindings.hpp"
#include "coldstart/registry/learners.hpp"

namespace coldstart::python {

namespace {

/// A feature learner and the lock that keeps its calls one at a time (they run without the GIL).
struct Learner {
  registry::FeatureClassifier learner;
  std::unique_ptr<std::mutex> busy = std::make_unique<std::mutex>();
};

[[nodiscard]] std::string feature_learner_names() {
  std::string out;
  for (const auto& e : registry::learners().entries())
    if (e.input == registry::Input::kFeatures) out += (out.empty() ? "" : ", ") + e.name;
  return out;
}

[[nodiscard]] Learner make_learner(const std::string& name, const boost::json::object& params) {
  registry::AnyLearnerVariant v = registry::learners().make(name, params);
  auto* f = std::get_if<registry::FeatureClassifier>(&v);
  COLDSTART_CHECK(f != nullptr, InvalidArgument,
                  "learner '{}' trains on images; the Python package binds the learners that read "
                  "embeddings ({})",
                  name, feature_learner_names());
  return Learner{std::move(*f)};
}

[[nodiscard]] nb::dict report_of(const learn::FitReport& r) {
  nb::dict d;
  d["epochs"] = r.epochs;
  d["best_epoch"] = r.best_epoch;
  d["best_val_score"] = r.best_val_score;
  d["train_loss"] = r.train_loss;
  d["val_score"] = r.val_score;
  d["val_loss"] = r.val_loss;
  return d;
}

/// T matrices n×C as one T×n×C array (copied once).
[[nodiscard]] nb::ndarray<nb::numpy, float> stacked(const std::vector<RowMatrixXf>& passes) {
  const std::size_t t = passes.size();
  const std::size_t n = t ? static_cast<std::size_t>(passes[0].rows()) : 0;
  const std::size_t c = t ? static_cast<std::size_t>(passes[0].cols()) : 0;
  std::vector<float> all;
  all.reserve(t * n * c);
  for (const auto& p : passes) all.insert(all.end(), p.data(), p.data() + p.size());
  return owning_array<float, std::vector<float>>(
      std::move(all), [](const std::vector<float>& h) { return h.data(); }, {t, n, c});
}

}  // namespace

void bind_learners(nb::module_& m) {
  m.def(
      "learners",
      [] {
        nb::list out;
        list_into(out, registry::learners(), "learner");
        return out;
      },
      "Every registered learner: kind, name, description, input (features or images), params.");

  nb::class_<Learner>(m, "Learner")
      .def(nb::new_([](const std::string& name, nb::dict params) {
             return make_learner(name, to_json(params));
           }),
           nb::arg("name"), nb::arg("params"))
      .def(
          "fit",
          [](Learner& l, const MatrixIn& x, std::vector<int> y, std::optional<MatrixIn> x_val,
             std::vector<int> y_val, std::optional<MatrixIn> unlabelled, std::uint64_t seed) {
            learn::FitReport r;
            {
              nb::gil_scoped_release release;
              std::lock_guard lock(*l.busy);
              if (unlabelled) l.learner.set_unlabelled(view(*unlabelled));  // copied by the learner
              const RowMatrixXf none(0, x.shape(1));
              const learn::Labelled<learn::FeatureInput> train{view(x), y};
              const learn::Labelled<learn::FeatureInput> val{
                  x_val ? EmbeddingsView(view(*x_val)) : EmbeddingsView(none), y_val};
              Rng rng(seed);
              r = l.learner.fit(train, val, rng);
            }
            return report_of(r);
          },
          nb::arg("x"), nb::arg("y"), nb::arg("x_val").none(), nb::arg("y_val"),
          nb::arg("unlabelled").none(), nb::arg("seed"))
      .def(
          "predict",
          [](Learner& l, const MatrixIn& x) {
            learn::Prediction p;
            {
              nb::gil_scoped_release release;
              std::lock_guard lock(*l.busy);
              p = l.learner.predict(view(x));
            }
            return nb::make_tuple(to_numpy(std::move(p.probs)), to_numpy(std::move(p.embeddings)));
          },
          nb::arg("x"), "(probabilities n×C, the features the last layer sees: n×d or empty)")
      .def(
          "predict_mc",
          [](Learner& l, const MatrixIn& x, int passes, std::uint64_t seed) {
            learn::Prediction p;
            {
              nb::gil_scoped_release release;
              std::lock_guard lock(*l.busy);
              Rng rng(seed);
              p = l.learner.predict_mc(view(x), passes, rng);
            }
            return nb::make_tuple(to_numpy(std::move(p.probs)), stacked(p.mc_probs));
          },
          nb::arg("x"), nb::arg("passes"), nb::arg("seed"))
      .def_prop_ro("supports_mc", [](Learner& l) { return l.learner.supports_mc(); })
      .def_prop_ro("name", [](Learner& l) { return l.learner.name(); })
      .def_prop_ro("params", [](Learner& l) { return to_python(l.learner.params()); });
}

}  // namespace coldstart::python
