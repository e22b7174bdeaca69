// Writes the seed corpora in tests/fuzz/corpus/ (committed; re-run only to regenerate them):
//   g++ -std=c++20 -Iinclude tests/fuzz/make_seeds.cpp -o /tmp/make_seeds -Lbuild-core \
//     -lcoldstart -lturbojpeg -ldcmdata -ldcmjpeg -ldcmimgle -loflog -lofstd \
//     -Wl,-rpath,$PWD/build-core && /tmp/make_seeds tests/fuzz/corpus
// Small files only (each a few hundred bytes): every colour type and bit depth the readers
// accept, plus a few that they must reject.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmjpeg/djencode.h>
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

void dicom(const std::string& name, const char* photometric, int bits, Uint16 spp, Uint16 pixrep,
           E_TransferSyntax xfer, bool window) {
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4");
  ds->putAndInsertString(DCM_PhotometricInterpretation, photometric);
  ds->putAndInsertUint16(DCM_SamplesPerPixel, spp);
  if (spp == 3) ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);
  const Uint16 rows = 4, cols = 5;
  ds->putAndInsertUint16(DCM_Rows, rows);
  ds->putAndInsertUint16(DCM_Columns, cols);
  ds->putAndInsertUint16(DCM_BitsAllocated, bits);
  ds->putAndInsertUint16(DCM_BitsStored, bits == 16 ? 12 : 8);
  ds->putAndInsertUint16(DCM_HighBit, bits == 16 ? 11 : 7);
  ds->putAndInsertUint16(DCM_PixelRepresentation, pixrep);
  if (window) {
    ds->putAndInsertString(DCM_RescaleSlope, "2");
    ds->putAndInsertString(DCM_RescaleIntercept, "-100");
    ds->putAndInsertString(DCM_WindowCenter, "40\\50");
    ds->putAndInsertString(DCM_WindowWidth, "400\\500");
  }
  const std::size_t n = static_cast<std::size_t>(rows) * cols * spp;
  if (bits == 16) {
    std::vector<Uint16> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<Uint16>((i * 211) & 0xFFF);
    ds->putAndInsertUint16Array(DCM_PixelData, v.data(), v.size());
  } else {
    std::vector<Uint8> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<Uint8>(i * 13);
    ds->putAndInsertUint8Array(DCM_PixelData, v.data(), v.size());
  }
  if (xfer != EXS_LittleEndianExplicit && xfer != EXS_LittleEndianImplicit &&
      !ds->chooseRepresentation(xfer, nullptr).good()) {
    std::fprintf(stderr, "make_seeds: cannot encode %s\n", name.c_str());
    return;
  }
  const OFCondition c = file.saveFile((dir + "/" + name).c_str(), xfer);
  if (c.bad()) std::fprintf(stderr, "make_seeds: %s: %s\n", name.c_str(), c.text());
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

  dir = root + "/dicom";
  DcmRLEEncoderRegistration::registerCodecs();
  DJEncoderRegistration::registerCodecs();
  dicom("mono2_16.dcm", "MONOCHROME2", 16, 1, 0, EXS_LittleEndianExplicit, true);
  dicom("mono1_8_signed.dcm", "MONOCHROME1", 8, 1, 1, EXS_LittleEndianImplicit, false);
  dicom("rgb8.dcm", "RGB", 8, 3, 0, EXS_LittleEndianExplicit, false);
  dicom("rle16.dcm", "MONOCHROME2", 16, 1, 0, EXS_RLELossless, true);
  dicom("jpeg_lossless.dcm", "MONOCHROME2", 16, 1, 0, EXS_JPEGProcess14SV1, false);

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
