#include "coldstart/io/image_scan.hpp"

#include <algorithm>
#include <filesystem>

#include "coldstart/error.hpp"
#include "coldstart/io/file.hpp"
#include "coldstart/io/image_file.hpp"

namespace coldstart::io {

namespace fs = std::filesystem;

FrameChoice parse_frame_choice(const std::string& text) {
  if (text == "first") return FrameChoice::kFirst;
  if (text == "middle") return FrameChoice::kMiddle;
  COLDSTART_CHECK(text == "all", InvalidArgument,
                  "frame choice '{}' is not one of first, middle, all", text);
  return FrameChoice::kAll;
}

// Steps in io::scan (not an anonymous namespace), so that messages read "io::scan::<step>".
namespace scan {

// "p01/IM000001" from "p01/IM000001", "a" from "a.png": a known image extension is dropped, any
// other name kept whole (DICOM files are often named by UID, "1.3.12.2.1107").
std::string sample_id(const fs::path& relative) {
  const fs::path name = relative.filename();
  const fs::path leaf = has_image_extension(name.string()) ? name.stem() : name;
  return (relative.parent_path() / leaf).generic_string();
}

// Whether a folder entry is an image. An image name that is no readable file is an error, never
// a silent skip (issue #12); other files are images when they start like DICOM. DICOMDIR (the
// media directory of PS3.10) starts like DICOM too but holds no image.
bool is_image(const fs::directory_entry& entry) {
  const std::string path = entry.path().string();
  std::error_code ec;
  if (has_image_extension(path)) {
    const bool broken_link = entry.is_symlink(ec) && !fs::exists(entry.path(), ec);
    COLDSTART_IO_CHECK(!broken_link, path, "broken symbolic link (its target does not exist){}",
                       "");
    COLDSTART_IO_CHECK(entry.is_regular_file(ec), path,
                       "has an image extension but is not a regular file{}", "");
    return true;
  }
  return entry.is_regular_file(ec) && entry.path().filename() != "DICOMDIR" && is_dicom_file(path);
}

std::vector<Sample> image_files(const fs::path& root, bool recursive) {
  std::vector<Sample> out;
  const auto take = [&](const fs::directory_entry& entry) {
    if (!is_image(entry)) return;
    Sample s;
    s.id = sample_id(entry.path().lexically_relative(root));
    s.image_path = entry.path().string();
    out.push_back(std::move(s));
  };
  if (recursive) {
    for (const auto& entry : fs::recursive_directory_iterator(root)) take(entry);
  } else {
    for (const auto& entry : fs::directory_iterator(root)) take(entry);
  }
  // Directory order is the file system's: sorted by id, the samples (frames in frame order after
  // their file) and the first error named are always the same.
  std::sort(out.begin(), out.end(), [](const Sample& a, const Sample& b) { return a.id < b.id; });
  return out;
}

Sample frame_sample(const Sample& file, std::string id, int frame) {
  Sample s = file;
  s.id = std::move(id);
  s.image_path = frame_ref(file.image_path, frame);
  return s;
}

// The samples of one file: itself, or the chosen frames of a multi-frame DICOM file.
void add_frames(const Sample& file, FrameChoice choice, std::vector<Sample>& out) {
  const int n = choice == FrameChoice::kFirst || !is_dicom_file(file.image_path)
                    ? 1
                    : dicom_frame_count(file.image_path);
  if (n == 1) {
    out.push_back(file);
  } else if (choice == FrameChoice::kMiddle) {
    out.push_back(frame_sample(file, file.id, n / 2));
  } else {
    for (int f = 0; f < n; ++f)
      out.push_back(frame_sample(file, file.id + "#" + std::to_string(f + 1), f));
  }
}

}  // namespace scan

ImageScan scan_images(const std::string& folder, const ScanOptions& options) {
  check_is_folder(folder, "an image folder");
  ImageScan found;
  for (const Sample& file : scan::image_files(folder, options.recursive)) {
    const std::size_t first = found.samples.size();
    try {
      scan::add_frames(file, options.frames, found.samples);
      // Decoded once here so that a failure is known before any work; the embedder decodes again.
      if (options.skip_unreadable)
        for (std::size_t i = first; i < found.samples.size(); ++i)
          (void)read_image(found.samples[i].image_path);
    } catch (const Error& e) {
      if (!options.skip_unreadable) throw;
      found.samples.resize(first);
      found.skipped.push_back({file.image_path, e.what()});
    }
  }
  COLDSTART_IO_CHECK(!found.samples.empty(), folder,
                     "folder holds no {}images (.png, .jpg, .jpeg, .dcm, DICOM of any name){}",
                     found.skipped.empty() ? "" : "readable ",
                     found.skipped.empty()
                         ? std::string()
                         : "; " + std::to_string(found.skipped.size()) +
                               " skipped, the first: " + found.skipped.front().reason);
  return found;
}

}  // namespace coldstart::io
