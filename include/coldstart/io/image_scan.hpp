#pragma once
// Which files of a folder become samples: PNG/JPEG/DICOM by extension, DICOM by content whatever
// the name (scanners and PACS exports write `IM000001`), optionally in sub-folders, one sample per
// chosen frame of multi-frame DICOM, unreadable files skipped and reported on request.

#include <string>
#include <vector>

#include "coldstart/io/dataset.hpp"

namespace coldstart::io {

/// Which frames of a multi-frame DICOM file become samples.
enum class FrameChoice {
  kFirst,   ///< frame 1 (id: the file's)
  kMiddle,  ///< frame floor(n / 2) + 1 of n (id: the file's)
  kAll,     ///< every frame, id "<file id>#<n>"
};

/// Parses "first", "middle" or "all"; InvalidArgument otherwise.
[[nodiscard]] FrameChoice parse_frame_choice(const std::string& text);

struct ScanOptions {
  bool recursive = false;                    ///< descend into sub-folders (ids: relative paths)
  FrameChoice frames = FrameChoice::kFirst;  ///< frames of multi-frame DICOM taken as samples
  bool skip_unreadable = false;              ///< decode each sample first; leave out failures
};

/// A file left out by ScanOptions::skip_unreadable, and why.
struct SkippedImage {
  std::string path;
  std::string reason;  ///< the reader's error message
};

struct ImageScan {
  std::vector<Sample> samples;        ///< files sorted by id, a file's frames in frame order
  std::vector<SkippedImage> skipped;  ///< in the same order
};

/// The images of `folder`. A file is an image when its extension is .png/.jpg/.jpeg/.dcm/.dicom or
/// when it starts like DICOM Part 10 (preamble + "DICM"; DICOMDIR excepted). Ids: the file name
/// without an image extension (a name without one is kept whole: `1.3.12.2` stays `1.3.12.2`),
/// prefixed by the sub-folder path ("p01/s02/IM000001") when recursive. A frame other than the
/// first is read through the reference "<file>#<n>" (io::read_image). Throws IoError naming the
/// folder when it is missing or holds no image, naming the entry for an image name that is no
/// readable file (a broken link, a folder), and naming the file for an unreadable one unless
/// skip_unreadable (then each is listed in `skipped`, and decoding every sample once more is the
/// price).
[[nodiscard]] ImageScan scan_images(const std::string& folder, const ScanOptions& options = {});

}  // namespace coldstart::io
