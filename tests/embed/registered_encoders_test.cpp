// Contract of every registered encoder (registry::encoders(), found there): n images in, n
// finite rows of dim() columns out, the same rows again for the same images, and a card naming
// it. Pretrained entries whose model file is absent are skipped with the reason.

#include <coldstart/registry/encoders.hpp>
#include <filesystem>

#include "support/testing.hpp"

namespace coldstart::registry {
namespace {

using coldstart::testing::ramp_image;

class RegisteredEncoders : public ::testing::TestWithParam<std::string> {};

TEST_P(RegisteredEncoders, EmbedsEachImageToOneFiniteRowRepeatably) {
  const auto& e = encoders().at(GetParam());
  EXPECT_FALSE(e.description.empty());
  std::vector<io::Image> images;
  for (int i = 0; i < 6; ++i) images.push_back(ramp_image(40, 40, 1, 0.1f * static_cast<float>(i)));
  coldstart::testing::TempDir dir;
  // Small where the entry declares these (trained encoders train for a few steps only).
  const boost::json::object want{{"max_steps", 2}, {"image_size", 16}, {"size", 16}};
  boost::json::object params;
  for (const auto& p : e.params)
    if (want.contains(p.name)) params[p.name] = want.at(p.name);
  const EncoderContext ctx{images, dir.path().string(), 3};
  std::optional<AnyEmbedder> enc;
  try {
    enc.emplace(e.make(params, ctx));
  } catch (const IoError& err) {
    GTEST_SKIP() << GetParam() << ": " << err.what();
  }
  const RowMatrixXf a = enc->embed(images), b = enc->embed(images);
  ASSERT_EQ(a.rows(), 6);
  EXPECT_EQ(a.cols(), enc->dim());
  EXPECT_TRUE(a.allFinite());
  EXPECT_EQ(a, b);
  EXPECT_FALSE(enc->card().empty());
}

INSTANTIATE_TEST_SUITE_P(Registry, RegisteredEncoders, ::testing::ValuesIn(encoders().names()),
                         [](const auto& info) {
                           std::string s;
                           for (char c : info.param) s += std::isalnum(c) ? c : '_';
                           return s;
                         });

TEST(MakeEncoder, UnknownNamesAndMissingFilesAreNamed) {
  EXPECT_THROW_MSG((void)make_encoder("efficientnet-lite9"), InvalidArgument,
                   "unknown encoder 'efficientnet-lite9' (expected pixels, efficientnet-lite0");
  EXPECT_THROW_MSG((void)make_encoder("no/such/model.pt"), IoError, "no/such/model.pt");
  EXPECT_THROW_MSG((void)make_encoder("pixels", {{"size", 0}}), InvalidArgument, "size (0)");
}

}  // namespace
}  // namespace coldstart::registry
