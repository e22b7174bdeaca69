// Decodes one frame of a DICOM file with io::read_dicom and writes it as a float32 .npy of shape
// (rows, columns x channels): the C++ side of tests/dicom/pydicom_reference_test.py.
//   coldstart_dicom_dump FILE FRAME OUT.npy [window|minmax]     (FRAME from 0)
#include <coldstart/io/image_file.hpp>
#include <coldstart/io/npy.hpp>
#include <exception>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: coldstart_dicom_dump FILE FRAME OUT.npy [window|minmax]\n";
    return 2;
  }
  try {
    coldstart::io::DicomOptions options;
    options.frame = std::stoi(argv[2]);
    options.apply_window = argc < 5 || std::string(argv[4]) != "minmax";
    const coldstart::io::Image img = coldstart::io::read_dicom(argv[1], options);
    const Eigen::Map<const coldstart::RowMatrixXf> x(
        img.pixels.data(), img.height, static_cast<Eigen::Index>(img.width) * img.channels);
    coldstart::io::write_npy(argv[3], x);
    std::cout << img.height << " " << img.width << " " << img.channels << "\n";
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
