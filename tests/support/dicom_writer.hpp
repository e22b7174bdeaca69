#pragma once
// Small DICOM files written through DCMTK, for the reader's tests (tests/dicom) and the fuzzer's
// seed corpus (tests/fuzz/dicom_seeds.cpp): nothing binary is committed, every file is built here.
// Needs DCMTK's dcmdata (and, for compressed transfer syntaxes, the registered encoders).

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dctk.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace coldstart::testing {

/// One DICOM image; empty strings leave an attribute out.
struct DicomSpec {
  std::string photometric = "MONOCHROME2";
  std::vector<Uint16> pixels;  ///< stored values, narrowed to 8 bits when bits_allocated <= 8
  Uint16 rows = 2, cols = 3;
  Uint16 samples = 1;  ///< SamplesPerPixel
  Uint16 bits_allocated = 16;
  Uint16 bits_stored = 12;
  Uint16 pixel_representation = 0;
  std::string frames;  ///< NumberOfFrames
  std::string slope, intercept, center, width;
  std::vector<Uint16> palette;  ///< PALETTE COLOR: the same 16-bit LUT for red, green and blue
};

/// The dataset of `s` with native (uncompressed) pixel data.
inline void fill_dicom(DcmDataset& ds, const DicomSpec& s) {
  ds.putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
  ds.putAndInsertString(DCM_SOPInstanceUID, "1.2.3.4.5.6.7");
  ds.putAndInsertString(DCM_PhotometricInterpretation, s.photometric.c_str());
  ds.putAndInsertUint16(DCM_SamplesPerPixel, s.samples);
  if (s.samples == 3) ds.putAndInsertUint16(DCM_PlanarConfiguration, 0);
  ds.putAndInsertUint16(DCM_Rows, s.rows);
  ds.putAndInsertUint16(DCM_Columns, s.cols);
  ds.putAndInsertUint16(DCM_BitsAllocated, s.bits_allocated);
  ds.putAndInsertUint16(DCM_BitsStored, s.bits_stored);
  ds.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(s.bits_stored - 1));
  ds.putAndInsertUint16(DCM_PixelRepresentation, s.pixel_representation);
  const auto put = [&](const DcmTagKey& tag, const std::string& v) {
    if (!v.empty()) ds.putAndInsertString(tag, v.c_str());
  };
  put(DCM_NumberOfFrames, s.frames);
  put(DCM_RescaleSlope, s.slope);
  put(DCM_RescaleIntercept, s.intercept);
  put(DCM_WindowCenter, s.center);
  put(DCM_WindowWidth, s.width);
  if (!s.palette.empty()) {
    const Uint16 descriptor[3] = {static_cast<Uint16>(s.palette.size()), 0, 16};
    for (const auto& [d, data] :
         {std::pair{DCM_RedPaletteColorLookupTableDescriptor, DCM_RedPaletteColorLookupTableData},
          {DCM_GreenPaletteColorLookupTableDescriptor, DCM_GreenPaletteColorLookupTableData},
          {DCM_BluePaletteColorLookupTableDescriptor, DCM_BluePaletteColorLookupTableData}}) {
      ds.putAndInsertUint16Array(d, descriptor, 3);
      ds.putAndInsertUint16Array(data, s.palette.data(), s.palette.size());
    }
  }
  if (s.bits_allocated <= 8) {
    const std::vector<Uint8> bytes(s.pixels.begin(), s.pixels.end());
    ds.putAndInsertUint8Array(DCM_PixelData, bytes.data(), bytes.size());
  } else {
    ds.putAndInsertUint16Array(DCM_PixelData, s.pixels.data(), s.pixels.size());
  }
}

/// Writes `s` in transfer syntax `xfer` (compressed ones through DCMTK's registered encoders).
/// Throws std::runtime_error when DCMTK cannot.
inline void write_dicom(const std::string& path, const DicomSpec& s,
                        E_TransferSyntax xfer = EXS_LittleEndianExplicit) {
  DcmFileFormat file;
  fill_dicom(*file.getDataset(), s);
  if (DcmXfer(xfer).isEncapsulated() &&
      file.getDataset()->chooseRepresentation(xfer, nullptr).bad())
    throw std::runtime_error("DCMTK cannot encode " + path);
  const OFCondition c = file.saveFile(path.c_str(), xfer);
  if (c.bad()) throw std::runtime_error(path + ": " + c.text());
}

/// Writes `s` (its pixel values unused) with encapsulated pixel data in `xfer`: an empty offset
/// table, then one item per entry of `fragments`, byte for byte. Reaches the reader's checks of
/// compressed data without a real codestream.
inline void write_encapsulated(const std::string& path, const DicomSpec& s, E_TransferSyntax xfer,
                               const std::vector<std::vector<Uint8>>& fragments) {
  DcmFileFormat file;
  DcmDataset* ds = file.getDataset();
  DicomSpec header = s;
  header.pixels.assign(1, 0);
  fill_dicom(*ds, header);
  auto* sequence = new DcmPixelSequence(DcmTag(DCM_PixelData, EVR_OB));
  sequence->insert(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));  // empty offset table
  for (const auto& bytes : fragments) {
    auto* fragment = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
    fragment->putUint8Array(bytes.data(), static_cast<unsigned long>(bytes.size()));
    sequence->insert(fragment);
  }
  auto* pixels = new DcmPixelData(DCM_PixelData);
  pixels->putOriginalRepresentation(xfer, nullptr, sequence);
  ds->insert(pixels, true);
  const OFCondition c = file.saveFile(path.c_str(), xfer);
  if (c.bad()) throw std::runtime_error(path + ": " + c.text());
}

/// The fragments of an encapsulated file written by DCMTK (write_dicom with a compressed `xfer`),
/// offset table excluded: real codestreams to build hostile variants from.
inline std::vector<std::vector<Uint8>> read_fragments(const std::string& path) {
  DcmFileFormat file;
  if (file.loadFile(path.c_str()).bad()) throw std::runtime_error("cannot read " + path);
  DcmDataset* ds = file.getDataset();
  DcmElement* element = nullptr;
  ds->findAndGetElement(DCM_PixelData, element);
  auto* px = dynamic_cast<DcmPixelData*>(element);
  DcmPixelSequence* seq = nullptr;
  const DcmRepresentationParameter* rep = nullptr;
  if (px == nullptr || px->getEncapsulatedRepresentation(ds->getOriginalXfer(), rep, seq).bad())
    throw std::runtime_error(path + " is not encapsulated");
  std::vector<std::vector<Uint8>> out;
  for (unsigned long i = 1; i < seq->card(); ++i) {
    DcmPixelItem* item = nullptr;
    Uint8* data = nullptr;
    seq->getItem(item, i);
    item->getUint8Array(data);
    out.emplace_back(data, data + item->getLength());
  }
  return out;
}

}  // namespace coldstart::testing
