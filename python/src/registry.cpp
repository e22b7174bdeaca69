// coldstart._core registry: the selectors and acquisition functions by name, straight from the
// library's registry (no second list of names here), and Python callables as selectors.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <map>
#include <string>

#include "arrays.hpp"
#include "bindings.hpp"
#include "coldstart/registry/registry.hpp"
#include "params.hpp"

namespace coldstart::python {

namespace {

nb::tuple to_python(select::Selection&& s) {
  return nb::make_tuple(to_numpy(std::move(s.indices)), to_numpy(std::move(s.cluster)),
                        to_numpy(std::move(s.distance)));
}

select::SelectionContext context_of(const std::optional<IndexIn>& labelled,
                                    const std::optional<IndexIn>& strata) {
  select::SelectionContext ctx;
  if (labelled) ctx.labelled = span_of(*labelled);
  if (strata) ctx.strata = span_of(*strata);
  return ctx;
}

/// Throws InvalidArgument unless `s` holds `budget` distinct rows of [0, n), none labelled, with
/// cluster/distance empty or one per pick: the InitialSelector contract, which a Python function
/// may break.
void check_selection(const std::string& who, const select::Selection& s, Index n, Index budget,
                     std::span<const Index> labelled) {
  // Plain throws, not COLDSTART_CHECK: the message names the selector, not this function.
  const auto fail = [&](const std::string& what) { throw InvalidArgument(who + " " + what); };
  using coldstart::detail::format;
  if (s.size() != budget) fail(format("returned {} picks, expected {}", s.size(), budget));
  std::vector<char> taken(static_cast<std::size_t>(n), 0);
  for (Index l : labelled)
    if (l >= 0 && l < n) taken[l] = 2;
  for (Index i : s.indices) {
    if (i < 0 || i >= n) fail(format("picked row {} outside [0, {})", i, n));
    if (taken[i] == 2) fail(format("picked row {}, which is labelled", i));
    if (taken[i] == 1) fail(format("picked row {} twice", i));
    taken[i] = 1;
  }
  if (!s.cluster.empty() && s.size() != static_cast<Index>(s.cluster.size()))
    fail(format("returned {} clusters for {} picks", s.cluster.size(), s.size()));
  if (!s.distance.empty() && s.size() != static_cast<Index>(s.distance.size()))
    fail(format("returned {} distances for {} picks", s.distance.size(), s.size()));
}

/// Whether nothing was drawn from `rng` yet: the copies of it and of a generator rebuilt from its
/// key agree on four draws (xoshiro256**'s 256-bit state; a used generator agreeing on all four
/// by chance has odds of about 2^-256).
bool is_fresh(const Rng& rng) {
  Rng a = rng, b(rng.key());
  for (int i = 0; i < 4; ++i)
    if (a() != b()) return false;
  return true;
}

/// The seed handed to a Python selector: a fresh generator (what select and run_experiment hand a
/// selector) is rebuilt exactly from its key, so `coldstart.select(X, b, "kcenter", labelled,
/// seed=seed)` inside the function picks what the built-in picks with this generator; from a
/// generator already drawn from, a draw.
std::uint64_t seed_for_python(Rng& rng) { return is_fresh(rng) ? rng.key() : rng(); }

/// A Python callable as an InitialSelector: fn(X, budget, labelled=..., seed=...) returning the
/// picks, or (picks, cluster, distance). X is the pool itself when the caller passed it from
/// Python (no copy), else a read-only copy.
class PythonSelector {
 public:
  PythonSelector(std::string name, nb::object fn, nb::object pool = nb::none())
      : name_(std::move(name)), fn_(std::move(fn)), pool_(std::move(pool)) {}
  PythonSelector(const PythonSelector&) = default;
  ~PythonSelector() {
    nb::gil_scoped_acquire gil;  // drop the references with the GIL held, on any thread
    fn_.reset();
    pool_.reset();
  }

  [[nodiscard]] select::Selection select(EmbeddingsView x, Index budget,
                                         const select::SelectionContext& ctx, Rng& rng) const {
    const std::uint64_t seed = seed_for_python(rng);
    nb::gil_scoped_acquire gil;
    nb::object result = fn_(pool_of(x), budget, nb::arg("labelled") = copy_of(ctx.labelled),
                            nb::arg("seed") = seed);
    select::Selection s;
    if (nb::isinstance<nb::tuple>(result) && nb::len(result) == 3) {
      s.indices = rows(result[0]);
      s.cluster = rows(result[1]);
      for (float v : floats(result[2])) s.distance.push_back(v);
    } else {
      s.indices = rows(result);
    }
    check_selection("selector '" + name_ + "'", s, x.rows(), budget, ctx.labelled);
    return s;
  }

 private:
  nb::object pool_of(EmbeddingsView x) const {
    if (pool_.is_valid() && !pool_.is_none()) {
      const auto p = nb::cast<MatrixIn>(pool_);
      if (p.data() == x.data() && static_cast<Index>(p.shape(0)) == x.rows()) return pool_;
    }
    return copy_matrix(x);
  }
  static nb::object copy_matrix(EmbeddingsView x) {
    auto a = to_numpy(RowMatrixXf(x));
    nb::object o = nb::cast(a);
    o.attr("flags").attr("writeable") = false;
    return o;
  }
  static nb::object copy_of(std::span<const Index> v) {
    return nb::cast(to_numpy(std::vector<Index>(v.begin(), v.end())));
  }
  static nb::object as_array(nb::handle h, const char* dtype) {
    return nb::module_::import_("numpy").attr("asarray")(h, nb::arg("dtype") = dtype);
  }
  static std::vector<Index> rows(nb::handle h) {
    const auto a = nb::cast<nb::ndarray<const std::int64_t, nb::ndim<1>, nb::c_contig>>(
        as_array(h, "int64").attr("ravel")());
    return {a.data(), a.data() + a.shape(0)};
  }
  static std::vector<float> floats(nb::handle h) {
    const auto a = nb::cast<nb::ndarray<const float, nb::ndim<1>, nb::c_contig>>(
        as_array(h, "float32").attr("ravel")());
    return {a.data(), a.data() + a.shape(0)};
  }

  std::string name_;
  nb::object fn_;
  nb::object pool_;
};
static_assert(select::InitialSelector<PythonSelector>);

registry::AnySelector selector_for(nb::handle strategy, const nb::dict& params, nb::handle pool) {
  if (nb::isinstance<nb::str>(strategy))
    return registry::selectors().make(nb::cast<std::string>(strategy), to_json(params));
  if (!PyCallable_Check(strategy.ptr()))
    throw nb::type_error("strategy must be a registered name (str) or a callable");
  if (nb::len(params) != 0)
    throw nb::type_error("parameters go to the callable itself, not to select()");
  nb::object name = nb::getattr(strategy, "__name__", nb::str("python-selector"));
  return registry::AnySelector(
      nb::cast<std::string>(nb::str(name)),
      PythonSelector(nb::cast<std::string>(nb::str(name)), nb::borrow(strategy), nb::borrow(pool)),
      {});
}

/// The functions register_selector was given, by name. The registry entry looks its function up
/// here each time it builds the selector, so registering a Python name again replaces the
/// function (a notebook cell run twice). Touched only with the GIL held; never freed (the
/// registry outlives the interpreter), so no reference is dropped at exit.
std::map<std::string, nb::handle>& python_selectors() {
  static auto* table = new std::map<std::string, nb::handle>;
  return *table;
}

void register_python_selector(const std::string& name, const std::string& description,
                              nb::object fn) {
  if (!PyCallable_Check(fn.ptr())) throw nb::type_error("fn must be callable");
  auto& table = python_selectors();
  if (const auto it = table.find(name); it != table.end()) {
    nb::handle old = it->second;
    it->second = fn.release();
    old.dec_ref();
    return;
  }
  registry::selectors().add(  // throws InvalidArgument for a name C++ registered
      {name,
       description,
       registry::Input::kEmbeddings,
       {},
       [name](const boost::json::object& o, const registry::NoContext&) {
         if (!o.empty())
           throw InvalidArgument("selector '" + name + "' (Python) takes no registry parameters");
         nb::gil_scoped_acquire gil;
         return registry::AnySelector(
             name, PythonSelector(name, nb::borrow(python_selectors().at(name))), {});
       }});
  table.emplace(name, fn.release());
  // The function, and whatever its globals reach, now lives until the process ends, past the
  // interpreter's teardown: nanobind would report those objects as leaks at exit.
  nb::set_leak_warnings(false);
}

/// ModelOutputs from the arrays given (copied: ModelOutputs owns its matrices).
ModelOutputs outputs_of(std::optional<MatrixIn> probs, const nb::list& mc_probs,
                        const nb::list& prob_maps, std::optional<MatrixIn> embeddings,
                        std::optional<MatrixIn> grad_embeddings) {
  ModelOutputs out;
  if (probs) out.probs = view(*probs);
  for (auto h : mc_probs) out.mc_probs.emplace_back(view(nb::cast<MatrixIn>(h)));
  for (auto h : prob_maps) out.prob_maps.emplace_back(view(nb::cast<MatrixIn>(h)));
  if (embeddings) out.embeddings = view(*embeddings);
  if (grad_embeddings) out.grad_embeddings = view(*grad_embeddings);
  return out;
}

}  // namespace

void bind_registry(nb::module_& m) {
  m.attr("DEFAULT_STRATEGY") = registry::kDefaultSelector;
  m.def(
      "strategies",
      [] {
        nb::list out;
        list_into(out, registry::selectors(), "selector");
        list_into(out, registry::acquisitions(), "acquisition");
        return out;
      },
      "Every registered selector and acquisition function: kind, name, description, input, "
      "params (name, type, help, default).");

  m.def(
      "select",
      [](nb::object x_obj, Index budget, nb::handle strategy, std::optional<IndexIn> labelled,
         std::optional<IndexIn> strata, std::uint64_t seed, nb::dict params) {
        const MatrixIn x = nb::cast<MatrixIn>(x_obj, false);
        const registry::AnySelector s = selector_for(strategy, params, x_obj);
        select::Selection sel;
        {
          nb::gil_scoped_release release;
          Rng rng(seed);
          sel = s.select(view(x), budget, context_of(labelled, strata), rng);
        }
        return to_python(std::move(sel));
      },
      nb::arg("x"), nb::arg("budget"), nb::arg("strategy"), nb::arg("labelled").noconvert().none(),
      nb::arg("strata").noconvert().none(), nb::arg("seed"), nb::arg("params"),
      "Cold-start picks: (indices, cluster, distance) in annotation order.");

  m.def("register_selector", &register_python_selector, nb::arg("name"), nb::arg("description"),
        nb::arg("fn"),
        "Adds a Python selector to the library's registry under `name` (again: replaces the "
        "function of a name registered from Python).");

  m.def(
      "acquire",
      [](const std::string& strategy, Index batch, std::optional<MatrixIn> probs, nb::list mc_probs,
         nb::list prob_maps, std::optional<MatrixIn> embeddings,
         std::optional<MatrixIn> grad_embeddings, std::optional<IndexIn> labelled,
         std::vector<int> labels, std::uint64_t seed, nb::dict params) {
        const registry::AnyAcquisition a = registry::acquisitions().make(strategy, to_json(params));
        const ModelOutputs out =
            outputs_of(probs, mc_probs, prob_maps, embeddings, grad_embeddings);
        std::vector<Index> picked;
        Eigen::VectorXd scores;
        {
          nb::gil_scoped_release release;
          const acquire::AcquisitionContext ctx{
              .labelled = labelled ? span_of(*labelled) : std::span<const Index>{},
              .labels = labels};
          Rng rng(seed);
          picked = a.select(out, ctx, batch, rng);
          scores = a.score(out, ctx);
        }
        return nb::make_tuple(to_numpy(std::move(picked)), to_numpy(std::move(scores)));
      },
      nb::arg("strategy"), nb::arg("batch"), nb::arg("probs").noconvert().none(),
      nb::arg("mc_probs"), nb::arg("prob_maps"), nb::arg("embeddings").noconvert().none(),
      nb::arg("grad_embeddings").noconvert().none(), nb::arg("labelled").noconvert().none(),
      nb::arg("labels"), nb::arg("seed"), nb::arg("params"),
      "Next batch by acquisition function: (indices in acquisition order, scores of every row).");
}

}  // namespace coldstart::python
