#include <omp.h>

#include <coldstart/embed/cached.hpp>
#include <coldstart/embed/pixel.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>
#include <latch>
#include <thread>

#include "support/testing.hpp"

namespace coldstart::embed {
namespace {

using coldstart::testing::ramp_image;
using coldstart::testing::TempDir;

// Pixels 4×4 plus a counter of the images it was asked to embed; `version` stands for the model.
struct CountingEmbedder {
  PixelEmbedder px{{.size = 4}};
  Index* calls;
  Index* images;
  int version = 1;
  float nan_at = -1;
  RowMatrixXf embed(std::span<const io::Image> imgs) {
    ++*calls;
    *images += static_cast<Index>(imgs.size());
    RowMatrixXf x = px.embed(imgs) * static_cast<float>(version);
    if (nan_at >= 0) x(0, 0) = std::numeric_limits<float>::quiet_NaN();
    return x;
  }
  Index dim() const { return 16; }
  std::string name() const { return "count/er"; }
  boost::json::object card() const {
    boost::json::object c;
    c["name"] = name();
    c["model_sha256"] = std::to_string(version);
    c["model_path"] = "/somewhere/model.pt";
    return c;
  }
};
static_assert(DescribedEmbedder<CountingEmbedder>);
static_assert(Embedder<CachedEmbedder<CountingEmbedder>>);

std::vector<io::Image> images(int n, float offset = 0.0f) {
  std::vector<io::Image> v;
  for (int i = 0; i < n; ++i) v.push_back(ramp_image(6, 6, 1, offset + 0.01f * i));
  return v;
}

TEST(CachedEmbedder, SecondRunHitsAndMatches) {
  TempDir dir;
  Index calls = 0, seen = 0;
  const auto imgs = images(5);
  const RowMatrixXf direct = PixelEmbedder({.size = 4}).embed(imgs);
  {
    CachedEmbedder cached(CountingEmbedder{.calls = &calls, .images = &seen}, dir.file("c"));
    EXPECT_EQ(cached.embed(imgs), direct);
    EXPECT_EQ(seen, 5);
    EXPECT_EQ(cached.embed(imgs), direct);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(cached.stats().hits, 5);
    EXPECT_EQ(cached.stats().misses, 5);
  }
  CachedEmbedder again(CountingEmbedder{.calls = &calls, .images = &seen}, dir.file("c"));
  EXPECT_EQ(again.embed(imgs), direct);
  EXPECT_EQ(calls, 1);  // read from disk
  // The file pair is plain NPY + JSON.
  EXPECT_EQ(io::read_npy_matrix(again.npy_path()), direct);
  EXPECT_EQ(io::read_json(again.sidecar_path()).as_object().at("hashes").as_array().size(), 5u);
  EXPECT_NE(again.npy_path().find("count_er-"), std::string::npos);
}

TEST(CachedEmbedder, EmbedsOnlyNewImagesInOrder) {
  TempDir dir;
  Index calls = 0, seen = 0;
  CachedEmbedder cached(CountingEmbedder{.calls = &calls, .images = &seen}, dir.file("c"));
  const auto old_imgs = images(4);
  (void)cached.embed(old_imgs);
  // Mixed call: two new images interleaved with cached ones, plus a duplicate of a new one.
  auto fresh = images(2, 0.5f);
  std::vector<io::Image> mixed = {fresh[0], old_imgs[1], fresh[1], old_imgs[3], fresh[0]};
  const RowMatrixXf x = cached.embed(mixed);
  EXPECT_EQ(seen, 4 + 2);  // the duplicate embedded once
  EXPECT_EQ(calls, 2);
  const RowMatrixXf ref = PixelEmbedder({.size = 4}).embed(mixed);
  EXPECT_EQ(x, ref);
  EXPECT_EQ(cached.stats().rows_stored, 6);
}

TEST(CachedEmbedder, ModelChangeMissesAndPathDoesNot) {
  TempDir dir;
  Index calls = 0, seen = 0;
  const auto imgs = images(3);
  CachedEmbedder v1(CountingEmbedder{.calls = &calls, .images = &seen, .version = 1},
                    dir.file("c"));
  (void)v1.embed(imgs);
  CachedEmbedder v2(CountingEmbedder{.calls = &calls, .images = &seen, .version = 2},
                    dir.file("c"));
  EXPECT_NE(v1.key(), v2.key());
  const RowMatrixXf x2 = v2.embed(imgs);
  EXPECT_EQ(seen, 6);
  EXPECT_EQ(x2, 2.0f * PixelEmbedder({.size = 4}).embed(imgs));
  // Moving the model file (another *_path) keeps the key.
  CountingEmbedder moved{.calls = &calls, .images = &seen, .version = 1};
  EXPECT_EQ(CachedEmbedder(moved, dir.file("c")).key(), v1.key());
}

TEST(CachedEmbedder, ContentHashFollowsPixelsNotIdentity) {
  const io::Image a = ramp_image(5, 5, 1);
  io::Image b = a;
  EXPECT_EQ(image_content_hash(a), image_content_hash(b));
  b.pixels[7] += 1e-6f;
  EXPECT_NE(image_content_hash(a), image_content_hash(b));
  io::Image c = a;
  c.height = 1;
  c.width = 25;
  EXPECT_NE(image_content_hash(a), image_content_hash(c));
  EXPECT_EQ(image_content_hash(a).size(), 64u);
}

TEST(CachedEmbedder, ExtraMatrixRowsFromAnInterruptedWriteAreIgnored) {
  TempDir dir;
  Index calls = 0, seen = 0;
  const auto imgs = images(3);
  std::string npy;
  RowMatrixXf first;
  {
    CachedEmbedder cached(CountingEmbedder{.calls = &calls, .images = &seen}, dir.file("c"));
    first = cached.embed(imgs);
    npy = cached.npy_path();
  }
  RowMatrixXf longer(4, 16);
  longer.topRows(3) = first;
  longer.row(3).setConstant(9.0f);
  io::write_npy(npy, longer);  // as if the sidecar write had not happened
  CachedEmbedder cached(CountingEmbedder{.calls = &calls, .images = &seen}, dir.file("c"));
  EXPECT_EQ(cached.embed(imgs), first);
  EXPECT_EQ(calls, 1);
  io::write_npy(npy, RowMatrixXf(first.topRows(2)));  // fewer rows than hashes: corrupt
  CachedEmbedder broken(CountingEmbedder{.calls = &calls, .images = &seen}, dir.file("c"));
  EXPECT_THROW_MSG((void)broken.embed(imgs), IoError, "sidecar lists 3 rows");
}

// Pixels 4×4; every embed call waits at `gate` until all writers have read the (empty) cache,
// so each process-like writer starts from the same stale state.
struct GatedEmbedder {
  PixelEmbedder px{{.size = 4}};
  std::latch* gate;
  RowMatrixXf embed(std::span<const io::Image> imgs) {
    gate->arrive_and_wait();
    return px.embed(imgs);
  }
  Index dim() const { return 16; }
  std::string name() const { return "gated"; }
  boost::json::object card() const { return {{"name", name()}}; }
};

TEST(CachedEmbedder, ConcurrentWritersLoseNoRows) {
  // Four writers on one folder, each its own CachedEmbedder (its own lock descriptor, as four
  // processes), each embedding other images after all have loaded. Without the lock and the
  // merge on write the last writer's file replaces the others' rows.
  TempDir dir;
  constexpr int kWriters = 4;
  std::latch gate(kWriters);
  std::vector<std::vector<io::Image>> parts;
  for (int t = 0; t < kWriters; ++t) parts.push_back(images(5, 0.1f * static_cast<float>(t)));
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t)
    writers.emplace_back([&, t] {
      CachedEmbedder cached(GatedEmbedder{.gate = &gate}, dir.file("c"));
      (void)cached.embed(parts[static_cast<std::size_t>(t)]);
    });
  for (auto& w : writers) w.join();
  std::vector<io::Image> all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  std::latch never_waits(1);  // a miss would call the inner embedder once and pass the gate
  CachedEmbedder reader(GatedEmbedder{.gate = &never_waits}, dir.file("c"));
  EXPECT_EQ(reader.embed(all), PixelEmbedder({.size = 4}).embed(all));
  EXPECT_EQ(reader.stats().misses, 0);
  EXPECT_EQ(reader.stats().rows_stored, 4 * 5);
  EXPECT_TRUE(std::filesystem::exists(reader.lock_path()));
}

TEST(CachedEmbedder, RejectsBadInput) {
  TempDir dir;
  Index calls = 0, seen = 0;
  CachedEmbedder cached(CountingEmbedder{.calls = &calls, .images = &seen, .nan_at = 0},
                        dir.file("c"));
  EXPECT_THROW_MSG((void)cached.embed({}), InvalidArgument, "n = 0");
  EXPECT_THROW_MSG((void)cached.embed(images(2)), NumericError, "contains NaN");
  EXPECT_FALSE(std::filesystem::exists(cached.npy_path()));  // nothing cached
  EXPECT_THROW_MSG(CachedEmbedder(PixelEmbedder{}, ""), InvalidArgument, "cache dir is empty");
  coldstart::testing::write_text(dir.file("a_file"), "x");
  CachedEmbedder blocked(PixelEmbedder({.size = 4}), dir.file("a_file") + "/sub");
  EXPECT_THROW_MSG((void)blocked.embed(images(1)), IoError, "cannot create the cache folder");
}

}  // namespace
}  // namespace coldstart::embed

namespace coldstart::embed {
namespace {

TEST(CachedEmbedder, SameOutputForOneAndTwoThreads) {
  coldstart::testing::TempDir dir;
  Index calls = 0, seen = 0;
  const auto imgs = images(9);
  omp_set_num_threads(1);
  CachedEmbedder one(CountingEmbedder{.calls = &calls, .images = &seen}, dir.file("one"));
  const RowMatrixXf a = one.embed(imgs);
  omp_set_num_threads(2);
  CachedEmbedder two(CountingEmbedder{.calls = &calls, .images = &seen}, dir.file("two"));
  const RowMatrixXf b = two.embed(imgs);
  EXPECT_EQ(a, b);
  EXPECT_EQ(io::read_file(one.sidecar_path()), io::read_file(two.sidecar_path()));
  EXPECT_EQ(io::read_file(one.npy_path()), io::read_file(two.npy_path()));
}

}  // namespace
}  // namespace coldstart::embed
