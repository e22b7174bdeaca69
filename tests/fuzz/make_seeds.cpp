// Writes the seed corpora into ROOT/<target>/ (the folders must exist). scripts/fuzz.sh runs it
// (target coldstart_fuzz_make_seeds) at each run for the binary seeds (png, jpeg, npy), which are
// not committed; the text seeds (csv, json, card) in tests/fuzz/corpus/ are.
// Small files only (each a few hundred bytes): every colour type and bit depth the readers
// accept, plus a few that they must reject. DICOM seeds are not committed: scripts/fuzz.sh writes
// them at each run with tests/fuzz/dicom_seeds.cpp.
#include <turbojpeg.h>

#include <coldstart/io/csv.hpp>
#include <coldstart/io/file.hpp>
#include <coldstart/io/manifest.hpp>
#include <coldstart/io/npy.hpp>
#include <coldstart/io/png.hpp>
#include <cstdio>
#include <string>
#include <vector>

namespace io = coldstart::io;

namespace {

std::string dir;

void put(const std::string& name, const std::string& bytes) {
  io::atomic_write(dir + "/" + name, bytes);
}

io::Image ramp(int h, int w, int c) {
  io::Image img{h, w, c, 8, std::vector<float>(static_cast<std::size_t>(h) * w * c)};
  for (std::size_t i = 0; i < img.pixels.size(); ++i)
    img.pixels[i] = static_cast<float>(i % 7) / 6.0f;
  return img;
}

void jpeg(const std::string& name, int w, int h, bool gray, int flags) {
  tjhandle tj = tjInitCompress();
  std::vector<unsigned char> px(static_cast<std::size_t>(w) * h * (gray ? 1 : 3));
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 37);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  tjCompress2(tj, px.data(), w, 0, h, gray ? TJPF_GRAY : TJPF_RGB, &out, &size,
              gray ? TJSAMP_GRAY : TJSAMP_420, 75, flags);
  put(name, std::string(reinterpret_cast<char*>(out), size));
  tjFree(out);
  tjDestroy(tj);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : "tests/fuzz/corpus";

  dir = root + "/png";
  io::write_png(dir + "/gray8.png", ramp(3, 4, 1), 8);
  io::write_png(dir + "/gray16.png", ramp(2, 3, 1), 16);
  io::write_png(dir + "/rgb8.png", ramp(3, 2, 3), 8);
  io::write_png(dir + "/rgb16.png", ramp(2, 2, 3), 16);

  dir = root + "/jpeg";
  jpeg("gray.jpg", 8, 8, true, 0);
  jpeg("rgb420.jpg", 16, 16, false, 0);
  jpeg("progressive.jpg", 9, 7, false, TJFLAG_PROGRESSIVE);

  dir = root + "/npy";
  {
    coldstart::RowMatrixXf x(3, 2);
    for (int i = 0; i < 6; ++i) x.data()[i] = 0.5f * static_cast<float>(i) - 1.0f;
    io::write_npy(dir + "/f4_3x2.npy", x);
    io::write_npy(dir + "/i8_4.npy", std::vector<std::int64_t>{1, -2, 3, 1 << 20});
    io::NpyArray a;
    a.shape = {2, 2};
    a.dtype = io::NpyDtype::kFloat64;
    a.bytes.assign(32, 0);
    io::write_npy(dir + "/f8_2x2.npy", a);
    a.shape = {};
    a.dtype = io::NpyDtype::kUint8;
    a.bytes.assign(1, 7);
    io::write_npy(dir + "/u1_scalar.npy", a);
    a.shape = {0, 5};
    a.dtype = io::NpyDtype::kInt32;
    a.bytes.clear();
    io::write_npy(dir + "/i4_0x5.npy", a);
  }

  dir = root + "/csv";
  put("labels.csv", "id,label\na.png,0\nb.png,1\n");
  put("quoted.csv", "id,\"note, with comma\"\r\n\"x\"\"y\",\"multi\nline\"\r\n");
  put("bom.csv", "\xEF\xBB\xBFid,label,split\n1,cat,train\n2,dog,test\n");
  put("ragged.csv", "id,label\n1\n");

  dir = root + "/json";
  {
    auto m = io::make_manifest("seed");
    m["seed"] = 42;
    m["inputs"] = boost::json::array{boost::json::object{{"path", "e.npy"}, {"sha256", "ab"}}};
    m["ratio"] = 0.95;
    put("manifest.json", io::to_json_text(m));
  }
  put("nested.json", "[1, -2.5e-3, true, null, {\"a\": [[]], \"\\u00e9\": \"\\n\"}]");
  put("bad.json", "{\"a\": [1, 2,}");

  dir = root + "/card";
  put("txrv.json", "{\"name\": \"densenet121-res224-all\", \"preset\": \"txrv\"}");
  put("custom.json",
      "{\"name\": \"simclr\", \"preprocessing\": {\"preset\": \"custom\", \"size\": 64, "
      "\"channels\": 1, \"scale\": 1.0, \"offset\": 0.0, \"mean\": [0.5], \"std\": [0.25]}}");
  put("imagenet3.json",
      "{\"preprocessing\": {\"preset\": \"imagenet\", \"size\": 224, \"channels\": 3, "
      "\"scale\": 1, \"offset\": 0, \"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, "
      "0.225]}}");
  put("bad_preset.json", "{\"preset\": \"vgg\"}");
  return 0;
}
