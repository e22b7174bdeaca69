// `coldstart cluster`: every row's label against brute-force nearest-centre assignment, the
// clustering `select` picks from (same seed), repeat runs and thread counts bit for bit, errors.
#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/registry/registry.hpp>
#include <set>

#include "cli_testing.hpp"

namespace fs = std::filesystem;
using namespace coldstart;
using coldstart::testing::contains;
using coldstart::testing::run_cli;
using coldstart::testing::TempDir;

namespace {

std::string id_of(Index i) { return "r" + std::to_string(i); }

RowMatrixXf write_pool(const TempDir& dir, Index n, Index d, Index k, std::uint64_t seed) {
  auto b = coldstart::testing::blobs(n, d, k, seed);
  for (Index j = 0; j < d; ++j) b.x.col(j) *= float(1 + 3 * j);  // unequal scales: z-scores matter
  io::write_npy(dir.file("emb.npy"), b.x);
  io::CsvTable ids{{"id", "path"}, {}};
  for (Index i = 0; i < n; ++i) ids.rows.push_back({id_of(i), "/p/" + id_of(i) + ".png"});
  io::write_csv(dir.file("emb.ids.csv"), ids);
  return b.x;
}

/// Column z-scores with the population standard deviation, computed here independently.
RowMatrixXf zscore(const RowMatrixXf& x) {
  Eigen::MatrixXd xd = x.cast<double>();
  const Eigen::RowVectorXd mean = xd.colwise().mean();
  xd.rowwise() -= mean;
  const Eigen::RowVectorXd sd = (xd.array().square().colwise().sum() / double(x.rows())).sqrt();
  for (Index j = 0; j < x.cols(); ++j) xd.col(j) /= sd[j];
  return xd.cast<float>();
}

struct Labels {
  std::vector<Index> cluster;
  std::vector<double> distance;
};

Labels read_labels(const std::string& csv, Index n) {
  const io::CsvTable t = io::read_csv(csv);
  EXPECT_EQ(t.header, (std::vector<std::string>{"id", "cluster", "distance"}));
  Labels l;
  EXPECT_EQ(Index(t.rows.size()), n);
  for (Index i = 0; i < Index(t.rows.size()); ++i) {
    EXPECT_EQ(t.rows[i][0], id_of(i));
    l.cluster.push_back(std::stol(t.rows[i][1]));
    l.distance.push_back(std::stod(t.rows[i][2]));
  }
  return l;
}

/// Brute force: each row's label is its nearest centroid (margin: ties within 1e-4 skipped), and
/// its distance is the Euclidean distance to that centroid.
void expect_nearest_centre(const RowMatrixXf& z, const RowMatrixXf& c, const Labels& l) {
  for (Index i = 0; i < z.rows(); ++i) {
    std::vector<double> d(c.rows());
    for (Index j = 0; j < c.rows(); ++j) d[j] = (z.row(i) - c.row(j)).cast<double>().norm();
    const Index own = l.cluster[i];
    ASSERT_GE(own, 0);
    ASSERT_LT(own, c.rows());
    EXPECT_NEAR(l.distance[i], d[own], 1e-4 * (1 + d[own])) << "row " << i;
    for (Index j = 0; j < c.rows(); ++j)
      EXPECT_LE(d[own], d[j] + 1e-4) << "row " << i << " is nearer to centre " << j;
  }
}

}  // namespace

TEST(CliCluster, KMeansLabelsAreNearestCentroidsAndMembersMean) {
  TempDir dir;
  const Index n = 80, k = 5;
  const RowMatrixXf x = write_pool(dir, n, 4, 5, 21);
  for (const bool standardize : {false, true}) {
    const std::string out = dir.file(standardize ? "z.csv" : "raw.csv");
    const auto r = run_cli({"cluster", "--embeddings", dir.file("emb.npy"), "--k",
                            std::to_string(k), "--strategy", "kmeans-centroid", "--param",
                            std::string("standardize=") + (standardize ? "true" : "false"),
                            "--seed", "4", "--out", out});
    ASSERT_EQ(r.code, 0) << r.err;
    const RowMatrixXf c = io::read_npy_matrix(fs::path(out).replace_extension(".centroids.npy"));
    ASSERT_EQ(c.rows(), k);
    ASSERT_EQ(c.cols(), 4);
    const RowMatrixXf z = standardize ? zscore(x) : x;
    const Labels l = read_labels(out, n);
    expect_nearest_centre(z, c, l);
    // Lloyd's fixed point: each centroid is the mean of its members.
    for (Index j = 0; j < k; ++j) {
      Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(4);
      Index m = 0;
      for (Index i = 0; i < n; ++i)
        if (l.cluster[i] == j) sum += z.row(i).cast<double>(), ++m;
      ASSERT_GT(m, 0);
      EXPECT_LT((sum / double(m) - c.row(j).cast<double>()).cwiseAbs().maxCoeff(), 1e-4);
    }
    const auto m =
        io::read_json(fs::path(out).replace_extension(".manifest.json").string()).as_object();
    EXPECT_EQ(m.at("strategy").as_object().at("name").as_string(), "kmeans-centroid");
    EXPECT_EQ(m.at("outputs").as_object().at("centroids").as_object().at("sha256").as_string(),
              io::sha256_file(fs::path(out).replace_extension(".centroids.npy").string()));
  }
}

TEST(CliCluster, SelectPicksFromTheSameClustering) {
  TempDir dir;
  const Index n = 70, k = 6;
  const RowMatrixXf x = write_pool(dir, n, 3, 4, 8);
  auto r = run_cli({"cluster", "--embeddings", dir.file("emb.npy"), "--k", std::to_string(k),
                    "--strategy", "kmeans-centroid", "--seed", "13", "--out", dir.file("c.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", std::to_string(k),
               "--strategy", "kmeans-centroid", "--seed", "13", "--out", dir.file("p.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const Labels l = read_labels(dir.file("c.csv"), n);
  const RowMatrixXf c = io::read_npy_matrix(dir.file("c.centroids.npy"));
  const RowMatrixXf z = zscore(x);
  // Each pick is the row nearest its cluster's centroid, and its cluster id is that cluster.
  std::set<Index> clusters;
  for (const auto& row : io::read_csv(dir.file("p.csv")).rows) {
    const Index pick = std::stol(row[0].substr(1)), cl = std::stol(row[2]);
    EXPECT_EQ(l.cluster[pick], cl) << row[0];
    Index best = -1;
    for (Index i = 0; i < n; ++i)
      if (l.cluster[i] == cl &&
          (best < 0 || (z.row(i) - c.row(cl)).norm() < (z.row(best) - c.row(cl)).norm()))
        best = i;
    EXPECT_EQ(pick, best) << "cluster " << cl;
    clusters.insert(cl);
  }
  EXPECT_EQ(Index(clusters.size()), k);

  // k-medoids: the medoids are rows of the pool, and select's picks are exactly those rows.
  r = run_cli({"cluster", "--embeddings", dir.file("emb.npy"), "--k", "4", "--strategy", "kmedoids",
               "--seed", "2", "--out", dir.file("m.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", "4", "--strategy",
               "kmedoids", "--seed", "2", "--out", dir.file("mp.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const RowMatrixXf med = io::read_npy_matrix(dir.file("m.centroids.npy"));
  const Labels ml = read_labels(dir.file("m.csv"), n);
  expect_nearest_centre(x, med, ml);
  std::set<std::string> medoid_ids, pick_ids;
  const auto manifest = io::read_json(dir.file("m.manifest.json"));  // owns what the loop reads
  for (const auto& v : manifest.as_object().at("medoids").as_array())
    medoid_ids.insert(std::string(v.as_string()));
  for (const auto& row : io::read_csv(dir.file("mp.csv")).rows) pick_ids.insert(row[0]);
  EXPECT_EQ(medoid_ids, pick_ids);
  for (Index j = 0; j < 4; ++j) {
    bool is_row = false;
    for (Index i = 0; i < n && !is_row; ++i) is_row = x.row(i) == med.row(j);
    EXPECT_TRUE(is_row) << "medoid " << j;
  }
}

// kmeans-centroid-cosine (the default): `cluster` reports the unit-length z-scores as its space
// (labels are the nearest centroids there, by brute force), `select` picks the row nearest each
// centroid there,
// `--param unit_rows=true` on kmeans-centroid is the same selector (the streaming engine's unit
// rows: CliSelect.StreamingDefaultIsTheCosineSelectorStreamed).
TEST(CliCluster, CosineSelectorClustersUnitLengthZScores) {
  TempDir dir;
  const Index n = 70, k = 5;
  const RowMatrixXf x = write_pool(dir, n, 4, 4, 21);
  RowMatrixXf z = zscore(x);
  for (Index i = 0; i < n; ++i) z.row(i) /= z.row(i).norm();
  // No --strategy: the default clustering is the default selector's (kmeans-centroid-cosine).
  auto r = run_cli({"cluster", "--embeddings", dir.file("emb.npy"), "--k", std::to_string(k),
                    "--seed", "3", "--out", dir.file("c.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto m = io::read_json(dir.file("c.manifest.json")).as_object();
  EXPECT_EQ(m.at("strategy").as_object().at("name").as_string(), registry::kDefaultSelector);
  EXPECT_TRUE(contains(std::string(m.at("space").as_string()), "each row scaled to unit length"))
      << m.at("space");
  const Labels l = read_labels(dir.file("c.csv"), n);
  const RowMatrixXf c = io::read_npy_matrix(dir.file("c.centroids.npy"));
  expect_nearest_centre(z, c, l);
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", std::to_string(k),
               "--strategy", "kmeans-centroid-cosine", "--seed", "3", "--out", dir.file("p.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const auto& row : io::read_csv(dir.file("p.csv")).rows) {
    const Index pick = std::stol(row[0].substr(1)), cl = std::stol(row[2]);
    EXPECT_EQ(l.cluster[pick], cl) << row[0];
    for (Index i = 0; i < n; ++i)
      if (l.cluster[i] == cl)
        EXPECT_LE((z.row(pick) - c.row(cl)).norm(), (z.row(i) - c.row(cl)).norm() + 1e-5) << i;
  }
  r = run_cli({"select", "--embeddings", dir.file("emb.npy"), "--budget", std::to_string(k),
               "--strategy", "kmeans-centroid", "--param", "unit_rows=true", "--seed", "3", "--out",
               dir.file("q.csv")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(io::read_csv(dir.file("q.csv")).rows, io::read_csv(dir.file("p.csv")).rows);
}

TEST(CliCluster, RepeatsBitForBitAndRefusesBadInput) {
  TempDir dir;
  write_pool(dir, 40, 3, 3, 1);
  const std::vector<std::string> args = {
      "cluster", "--embeddings", dir.file("emb.npy"), "--k", "3", "--seed",
      "5",       "--out",        dir.file("a.csv")};
  ASSERT_EQ(run_cli(args).code, 0);
  const std::string first = coldstart::testing::slurp(dir.file("a.csv"));
  const std::string first_c = coldstart::testing::slurp(dir.file("a.centroids.npy"));
  for (const std::string threads : {"1", "2"}) {
    ASSERT_EQ(run_cli(args, {"OMP_NUM_THREADS=" + threads}).code, 0);
    EXPECT_EQ(coldstart::testing::slurp(dir.file("a.csv")), first) << threads;
    EXPECT_EQ(coldstart::testing::slurp(dir.file("a.centroids.npy")), first_c) << threads;
  }
  // Usage: no k, k = 0, a selector without a clustering, an unknown parameter.
  const std::string e = dir.file("emb.npy"), out = dir.file("b.csv");
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"cluster", "--embeddings", e, "--out", out},
           {"cluster", "--embeddings", e, "--k", "0", "--out", out},
           {"cluster", "--embeddings", e, "--k", "3", "--strategy", "random", "--out", out},
           {"cluster", "--embeddings", e, "--k", "3", "--param", "nope=1", "--out", out},
           {"cluster", "--embeddings", e, "--k", "3", "--out", e}}) {
    const auto r = run_cli(bad);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(contains(r.err, "usage error")) << r.err;
  }
  // More clusters than rows: exit 1 naming the file; the earlier outputs are left as they were.
  auto r = run_cli(
      {"cluster", "--embeddings", e, "--k", "41", "--seed", "5", "--out", dir.file("a.csv")});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "emb.npy") && contains(r.err, "41")) << r.err;
  EXPECT_EQ(coldstart::testing::slurp(dir.file("a.csv")), first);
  EXPECT_FALSE(fs::exists(out));
}
