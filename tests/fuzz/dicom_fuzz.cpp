// libFuzzer harness: io::read_dicom. DCMTK reads a file (DcmFileFormat::loadFile), and only from
// a file does it check element lengths against the bytes left, so the input goes through a
// temporary file rather than a memory buffer. Rescale/window options and the frame read vary
// with the input.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/oflog/oflog.h>
#include <unistd.h>

#include <coldstart/io/image_file.hpp>
#include <filesystem>
#include <fstream>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = [] {
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);  // DCMTK's warnings would flood the log
    return (std::filesystem::temp_directory_path() /
            ("coldstart_fuzz_" + std::to_string(::getpid()) + ".dcm"))
        .string();
  }();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  return coldstart::fuzz::run(data, size, [&](std::string_view b) {
    coldstart::io::DicomOptions options;
    options.apply_rescale = options.apply_window = (b.size() % 2 == 0);
    options.frame = static_cast<int>(b.size() / 2 % 2);  // multi-frame files: the second too
    (void)coldstart::io::read_dicom(path, options);
  });
}
