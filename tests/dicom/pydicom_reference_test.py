#!/usr/bin/env python3
"""io::read_dicom against pydicom on pydicom's own test files (shipped in the pydicom wheel).

For each case the C++ reader (tests/dicom/dicom_dump.cpp) writes the decoded frame as .npy; the
reference is computed here from pydicom's stored values:
  monochrome: pydicom's modality LUT (apply_modality_lut), then the first window with the linear
    VOI function of PS3.3 C.11.2.1.2.1 (or min-max of the frame when there is no window, or with
    `minmax`), then 1 - v for MONOCHROME1;
  RGB and YBR_*: value / (2^BitsStored - 1), from pydicom's pixel_array, which converts YBR to
    RGB itself (pydicom.pixels.convert_color_space; OpenJPEG for YBR_RCT/YBR_ICT);
  PALETTE COLOR: pydicom's apply_color_lut, divided by the LUT's largest value.
Compressed files that pydicom cannot decode by itself (JPEG-LS, JPEG 2000 lossless) are compared
with their uncompressed twin in the same folder; lossy JPEG 2000 needs pylibjpeg-openjpeg
(requirements.txt) and is skipped, with a message, without it.

Exits 77 (ctest: skipped) when pydicom or numpy is missing: pip install -r requirements.txt.
usage: pydicom_reference_test.py DUMP_EXE
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.pixels import apply_color_lut, apply_modality_lut
except ImportError as e:  # pragma: no cover - depends on the machine
    print(f"SKIPPED: pydicom reference test needs pydicom and numpy ({e}); "
          "pip install -r requirements.txt")
    sys.exit(77)

# (file, frame from 0, twin whose pixels pydicom decodes, tolerance, mode). The tolerances are
# the reader's 16-bit output step (1 / 65535 = 1.5e-5) plus rounding.
CASES = [
    ("CT_small.dcm", 0, None, 4e-5, "window"),  # rescale, no window: min-max
    ("CT_small.dcm", 0, None, 4e-5, "minmax"),
    ("MR_small.dcm", 0, None, 4e-5, "window"),  # window
    ("MR_small.dcm", 0, None, 4e-5, "minmax"),
    ("MR_small_bigendian.dcm", 0, None, 4e-5, "window"),
    ("MR_small_RLE.dcm", 0, None, 4e-5, "window"),
    ("MR_small_jpeg_ls_lossless.dcm", 0, "MR_small.dcm", 4e-5, "window"),
    ("MR_small_jp2klossless.dcm", 0, "MR_small.dcm", 4e-5, "window"),
    ("JPEG2000.dcm", 0, None, 4e-5, "window"),  # lossy JPEG 2000, pylibjpeg-openjpeg
    ("693_J2KI.dcm", 0, None, 4e-5, "window"),  # lossy JPEG 2000 with rescale and window
    ("examples_jpeg2k.dcm", 0, None, 1e-5, "window"),  # JPEG 2000, YBR_RCT
    ("examples_palette.dcm", 0, None, 1e-5, "window"),
    # YBR to RGB: DCMTK rounds in integers, pydicom in floats: one 8-bit step apart at most.
    ("SC_ybr_full_422_uncompressed.dcm", 0, None, 1.0 / 255 + 1e-5, "window"),
    ("SC_rgb_small_odd.dcm", 0, None, 1e-5, "window"),
    ("SC_rgb_rle_16bit.dcm", 0, None, 4e-5, "window"),
    ("liver_1frame.dcm", 0, None, 4e-5, "window"),  # BitsAllocated 1
    ("rtdose_1frame.dcm", 0, None, 4e-5, "window"),  # BitsAllocated 32
    ("rtdose.dcm", 0, None, 4e-5, "window"),  # 15 frames of 32 bits
    ("rtdose.dcm", 7, None, 4e-5, "window"),
    ("rtdose.dcm", 14, None, 4e-5, "window"),
]

JPEG2000_UIDS = {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"}


def first(value):
    return float(value[0]) if isinstance(value, pydicom.multival.MultiValue) else float(value)


def window_linear(x, c, w):
    """PS3.3 C.11.2.1.2.1, output in [0, 1]."""
    y = (x - (c - 0.5)) / (w - 1.0) + 0.5
    y[x <= c - 0.5 - (w - 1.0) / 2.0] = 0.0
    y[x > c - 0.5 + (w - 1.0) / 2.0] = 1.0
    return y


def min_max(x):
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def reference(ds, pixels, mode):
    pi = ds.PhotometricInterpretation
    if pi in ("MONOCHROME1", "MONOCHROME2"):
        v = apply_modality_lut(pixels, ds).astype(np.float64)
        if mode == "window" and "WindowCenter" in ds and first(ds.WindowWidth) >= 1:
            v = window_linear(v, first(ds.WindowCenter), first(ds.WindowWidth))
        else:
            v = min_max(v)
        return 1.0 - v if pi == "MONOCHROME1" else v
    if pi == "PALETTE COLOR":
        rgb = apply_color_lut(pixels, ds).astype(np.float64)
        bits = ds.RedPaletteColorLookupTableDescriptor[2]
        return rgb / (2**bits - 1)
    return pixels.astype(np.float64) / (2**ds.BitsStored - 1)


def frame_of(ds, frame):
    arr = ds.pixel_array
    return arr[frame] if int(getattr(ds, "NumberOfFrames", 1) or 1) > 1 else arr


def main():
    dump = sys.argv[1]
    failures, skipped, passed = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, frame, twin, tol, mode in CASES:
            path = get_testdata_file(name)
            if path is None:
                skipped.append(f"{name}: not in this pydicom")
                continue
            ds = pydicom.dcmread(path)
            ref_ds = pydicom.dcmread(get_testdata_file(twin)) if twin else ds
            try:
                expected = reference(ref_ds, frame_of(ref_ds, frame), mode)
            except (RuntimeError, NotImplementedError) as e:
                if ds.file_meta.TransferSyntaxUID in JPEG2000_UIDS:
                    skipped.append(f"{name}: pydicom cannot decode it here "
                                   f"(pip install -r requirements.txt): {str(e)[:80]}")
                    continue
                raise
            out = os.path.join(tmp, f"{name}.{frame}.{mode}.npy")
            run = subprocess.run([dump, path, str(frame), out, mode], capture_output=True,
                                 text=True)
            if run.returncode != 0:
                failures.append(f"{name} frame {frame}: reader failed: {run.stderr.strip()}")
                continue
            got = np.load(out).astype(np.float64).reshape(expected.shape)
            err = float(np.abs(got - expected).max())
            label = f"{name} frame {frame} ({ds.PhotometricInterpretation}, " \
                    f"{ds.BitsAllocated} bits, {ds.file_meta.TransferSyntaxUID.name}, {mode})"
            if err > tol:
                failures.append(f"{label}: max |coldstart - pydicom| = {err:.3g} > {tol}")
            else:
                passed += 1
                print(f"ok   {label}: max |diff| = {err:.2g}")
    for s in skipped:
        print(f"SKIPPED {s}")
    for f in failures:
        print(f"FAIL {f}")
    print(f"{passed} passed, {len(failures)} failed, {len(skipped)} skipped "
          f"(pydicom {pydicom.__version__})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
