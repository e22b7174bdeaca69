#!/usr/bin/env python3
"""tools/export_rad_dino.py against an independent reference: transformers' own Dinov2Model.

A Dinov2Model with RAD-DINO's configuration but random weights (no download) is saved by
transformers' save_pretrained; the exporter turns it into TorchScript, whose output must equal
`pooler_output` (= last_hidden_state[:, 0]) within 1e-4. The equivalence runs on a narrow model
(dim 96, 3 layers, 6 heads, same 518 px / patch 14 input) to stay fast; the full ViT-B/14 is
checked for key names, shapes, parameter count and scripting. Also: the offline message, the
checksum paths and damaged safetensors files.

Exits 77 (ctest SKIP_RETURN_CODE) when transformers is not installed
(`pip install -r requirements-tools.txt`).
"""
import contextlib
import http.server
import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import unittest
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "export_rad_dino.py")
sys.path.insert(0, os.path.join(ROOT, "tools"))

try:
    import torch
    import transformers  # noqa: F401
    from transformers import Dinov2Config, Dinov2Model
except ImportError as e:
    print(f"SKIP: transformers (or torch) is not importable in {sys.executable} ({e}); "
          "pip install -r requirements-tools.txt to run this test")
    sys.exit(77)

import export_rad_dino as tool  # noqa: E402
from coldstart_archs import Dinov2ViT  # noqa: E402

warnings.filterwarnings("ignore", category=FutureWarning)
torch.set_num_threads(2)

MEAN, STD = 0.5307, 0.2583
# RAD-DINO's config.json (microsoft/rad-dino): ViT-B/14 at 518 px.
RAD_DINO_CONFIG = dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                       mlp_ratio=4, patch_size=14, image_size=518, num_channels=3,
                       layer_norm_eps=1e-6, layerscale_value=1.0, qkv_bias=True,
                       hidden_act="gelu", use_swiglu_ffn=False, drop_path_rate=0.0,
                       hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                       apply_layernorm=True)
SMALL = dict(RAD_DINO_CONFIG, hidden_size=96, num_hidden_layers=3, num_attention_heads=6)

_CODES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16",
          torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32", torch.int16: "I16",
          torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def write_safetensors(path: str, tensors: dict, metadata=None) -> None:
    """The test's own writer (independent of the tool's reader): header length, JSON, bytes."""
    header, blobs, pos = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        raw = t.detach().contiguous().cpu().reshape(-1).view(torch.uint8).numpy().tobytes() \
            if t.numel() else b""
        header[name] = {"dtype": _CODES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [pos, pos + len(raw)]}
        blobs.append(raw)
        pos += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


# No test may reach the network, even on a machine that has it.
os.environ["COLDSTART_OFFLINE"] = "1"


def run_tool(*args):
    """The tool as a separate process (as users run it)."""
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True,
                          timeout=300)


def call_tool(*args):
    """The tool's main() in this process (no second torch import: keeps the test fast)."""
    out, err, argv = io.StringIO(), io.StringIO(), sys.argv
    code = 0
    sys.argv = [TOOL, *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            tool.main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    finally:
        sys.argv = argv
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def random_dinov2(config: dict, seed: int) -> Dinov2Model:
    """Random weights everywhere, LayerNorm and LayerScale included, so a wrong affine or a
    missing scale cannot hide behind their default values of 1 and 0."""
    torch.manual_seed(seed)
    model = Dinov2Model(Dinov2Config(**config)).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    return model


class ExportEquivalence(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = os.path.join(cls.tmp.name, "hf")
        cls.ref = random_dinov2(SMALL, seed=3)
        cls.ref.save_pretrained(cls.dir)  # writes config.json + model.safetensors
        cls.weights = os.path.join(cls.dir, "model.safetensors")
        cls.out = os.path.join(cls.tmp.name, "rad-dino-test.pt")
        cls.proc = run_tool("--weights", cls.weights, "--out", cls.out,
                            "--skip-checksum-for-testing")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_export_succeeds_with_loud_warning(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        self.assertIn("NOT verified", self.proc.stderr)
        self.assertIn("--skip-checksum-for-testing", self.proc.stderr)

    def test_torchscript_equals_transformers(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        scripted = torch.jit.load(self.out)
        g = torch.Generator().manual_seed(11)
        for _ in range(2):
            x = (torch.rand(2, 3, 518, 518, generator=g) - MEAN) / STD
            with torch.no_grad():
                ref = self.ref(pixel_values=x)
                got = scripted(x)
                tokens = scripted.tokens(x)
            self.assertEqual(tuple(got.shape), (2, SMALL["hidden_size"]))
            self.assertLess((got - ref.pooler_output).abs().max().item(), 1e-4)
            self.assertLess((got - ref.last_hidden_state[:, 0]).abs().max().item(), 1e-4)
            self.assertLess((tokens - ref.last_hidden_state).abs().max().item(), 1e-4)
            # The two images differ, so a constant output would have failed above.
            self.assertGreater((got[0] - got[1]).abs().max().item(), 1e-3)

    def test_position_embeddings_interpolated_like_transformers(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        scripted = torch.jit.load(self.out)
        g = torch.Generator().manual_seed(5)
        for h, w in [(224, 224), (518, 280)]:
            x = (torch.rand(1, 3, h, w, generator=g) - MEAN) / STD
            with torch.no_grad():
                ref = self.ref(pixel_values=x).last_hidden_state
                got = scripted.tokens(x)
            self.assertEqual(got.shape, ref.shape)
            self.assertLess((got - ref).abs().max().item(), 1e-4, f"{h}x{w}")

    def test_card(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        with open(os.path.splitext(self.out)[0] + ".json") as f:
            card = json.load(f)
        self.assertEqual(card["embedding_dim"], SMALL["hidden_size"])
        pre = card["preprocessing"]
        self.assertEqual((pre["preset"], pre["size"], pre["channels"]), ("custom", 518, 3))
        self.assertEqual(pre["mean"], [MEAN] * 3)
        self.assertEqual(pre["std"], [STD] * 3)
        self.assertEqual((pre["scale"], pre["offset"]), (1.0, 0.0))
        self.assertEqual(card["weights_sha256"], tool.sha256_file(self.weights))
        self.assertIn("UNVERIFIED", card["weights_checked_against"])
        self.assertEqual(card["torchscript_sha256"], tool.sha256_file(self.out))

    def test_swapped_query_key_is_detected(self):
        """The comparison can fail: the same file with query and key of layer 1 swapped."""
        state = tool.read_safetensors(self.weights)
        a, b = ("encoder.layer.1.attention.attention.query.weight",
                "encoder.layer.1.attention.attention.key.weight")
        state[a], state[b] = state[b], state[a]
        bad = os.path.join(self.tmp.name, "bad")
        os.makedirs(bad)
        with open(os.path.join(self.dir, "config.json")) as f, \
                open(os.path.join(bad, "config.json"), "w") as g:
            g.write(f.read())
        write_safetensors(os.path.join(bad, "model.safetensors"), state)
        out = os.path.join(bad, "m.pt")
        p = call_tool("--weights", os.path.join(bad, "model.safetensors"), "--out", out,
                     "--skip-checksum-for-testing")
        self.assertEqual(p.returncode, 0, p.stderr)
        x = (torch.rand(1, 3, 518, 518) - MEAN) / STD
        with torch.no_grad():
            diff = (torch.jit.load(out)(x) - self.ref(pixel_values=x).pooler_output).abs().max()
        self.assertGreater(diff.item(), 1e-3)


class FullSize(unittest.TestCase):
    def test_rad_dino_layout_parameter_count_and_scripting(self):
        with torch.device("meta"):  # shapes only: no initialisation cost
            ref = Dinov2Model(Dinov2Config(**RAD_DINO_CONFIG))
        ref_shapes = {k: tuple(v.shape) for k, v in tool.canonical_keys(ref.state_dict()).items()}
        model = Dinov2ViT()  # RAD-DINO defaults
        shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        self.assertEqual(shapes, ref_shapes)
        n = sum(p.numel() for p in model.parameters())
        self.assertEqual(n, sum(p.numel() for p in ref.parameters()))
        self.assertEqual(n, 86_580_480)  # the sum of the shapes above, ViT-B/14 at 518 px
        self.assertEqual(tool.shape_of(model.state_dict(), 12), tool.EXPECTED)
        scripted = torch.jit.script(model.eval())
        self.assertTrue(hasattr(scripted, "tokens"))


class Safetensors(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "t.safetensors")

    def tearDown(self):
        self.tmp.cleanup()

    def test_round_trip_of_all_dtypes(self):
        g = torch.Generator().manual_seed(1)
        ts = {"f32": torch.randn(3, 4, generator=g), "f16": torch.randn(5, generator=g).half(),
              "bf16": torch.randn(2, 3, generator=g).bfloat16(),
              "f64": torch.randn(2, generator=g).double(),
              "i64": torch.arange(-3, 4), "i8": torch.tensor([-128, 0, 127], dtype=torch.int8),
              "u8": torch.tensor([0, 255], dtype=torch.uint8),
              "b": torch.tensor([True, False, True]), "empty": torch.zeros(0, 7),
              "scalar": torch.tensor(2.5)}
        write_safetensors(self.path, ts, metadata={"format": "pt"})
        got = tool.read_safetensors(self.path)
        self.assertEqual(set(got), set(ts))
        for k, v in ts.items():
            self.assertEqual(got[k].dtype, v.dtype, k)
            self.assertEqual(got[k].shape, v.shape, k)
            self.assertTrue(torch.equal(got[k], v), k)

    def test_reads_what_transformers_writes(self):
        ref = random_dinov2(dict(SMALL, num_hidden_layers=1), seed=4)
        ref.save_pretrained(self.tmp.name)
        got = tool.read_safetensors(os.path.join(self.tmp.name, "model.safetensors"))
        want = tool.canonical_keys(ref.state_dict())
        self.assertEqual(set(got), set(want))
        for k, v in want.items():
            self.assertTrue(torch.equal(got[k], v), k)

    def _raises(self, data: bytes, needle: str):
        with open(self.path, "wb") as f:
            f.write(data)
        with self.assertRaises(tool.SafetensorsError) as cm:
            tool.read_safetensors(self.path)
        self.assertIn(needle, str(cm.exception))

    def test_damaged_files_are_named(self):
        write_safetensors(self.path, {"a": torch.ones(4), "b": torch.ones(2, 2)})
        with open(self.path, "rb") as f:
            good = f.read()
        (n,) = struct.unpack("<Q", good[:8])
        self._raises(good[:5], "too short")
        self._raises(good[:-3], "truncated file")
        self._raises(good[:8 + n // 2], "does not fit the file")
        self._raises(struct.pack("<Q", 1 << 40) + good[8:], "does not fit the file")
        self._raises(good[:8] + b"x" + good[9:], "not valid JSON")
        self._raises(good + b"\0" * 8, "bytes after the last tensor")
        header = json.loads(good[8:8 + n])
        for change, needle in [({"dtype": "F8"}, "unsupported dtype"),
                               ({"shape": [3]}, "needs 12 bytes"),
                               ({"data_offsets": [4, 20]}, "leaves a hole"),
                               ({"shape": "x"}, "malformed")]:
            h = dict(header, a=dict(header["a"], **change))
            raw = json.dumps(h).encode()
            raw += b" " * (n - len(raw)) if len(raw) <= n else b""
            self._raises(struct.pack("<Q", len(raw)) + raw + good[8 + n:], needle)


class CommandLine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def test_offline_without_weights_names_url_and_path(self):
        dest = os.path.join(self.tmp.name, "weights", "model.safetensors")
        p = run_tool("--weights", dest, "--out", os.path.join(self.tmp.name, "m.pt"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(tool.URL, p.stderr)
        self.assertIn(tool.REVISION, tool.URL)
        self.assertIn(os.path.abspath(dest), p.stderr)
        self.assertIn("--sha256", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "m.pt")))

    def test_default_weights_path_is_named(self):
        p = call_tool("--out", os.path.join(self.tmp.name, "m.pt"))
        if os.path.exists(os.path.join(ROOT, "models", "weights", tool.WEIGHTS_NAME)):
            self.skipTest("the real weights are placed; the offline message is not shown")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(os.path.join("models", "weights", tool.WEIGHTS_NAME), p.stderr)

    def _small_file(self):
        path = os.path.join(self.tmp.name, "small.safetensors")
        ref = random_dinov2(dict(SMALL, num_hidden_layers=1), seed=6)
        write_safetensors(path, ref.state_dict())  # transformers-5 in-memory key names
        return path

    def test_placed_file_offline_needs_sha256(self):
        path = self._small_file()
        p = call_tool("--weights", path, "--out", os.path.join(self.tmp.name, "m.pt"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("cannot verify", p.stderr)
        self.assertIn("--sha256", p.stderr)

    def test_wrong_sha256_is_refused(self):
        path = self._small_file()
        p = call_tool("--weights", path, "--out", os.path.join(self.tmp.name, "m.pt"),
                     "--sha256", "0" * 64)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("expected " + "0" * 64, p.stderr)

    def test_verified_file_of_the_wrong_shape_is_refused(self):
        path = self._small_file()
        p = call_tool("--weights", path, "--out", os.path.join(self.tmp.name, "m.pt"),
                     "--sha256", tool.sha256_file(path), "--heads", "6")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("verified", p.stdout)
        self.assertIn("RAD-DINO has", p.stderr)

    def test_truncated_file_gives_clear_error(self):
        path = self._small_file()
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[:len(data) // 2])
        p = call_tool("--weights", path, "--out", os.path.join(self.tmp.name, "m.pt"),
                     "--skip-checksum-for-testing")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("truncated file", p.stderr)
        self.assertIn("Delete the file", p.stderr)

    def test_missing_tensor_fails_strict_loading(self):
        path = self._small_file()
        state = tool.read_safetensors(path)
        del state["layernorm.bias"]
        write_safetensors(path, state)
        p = call_tool("--weights", path, "--out", os.path.join(self.tmp.name, "m.pt"),
                     "--skip-checksum-for-testing", "--heads", "6")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("layernorm.bias", p.stderr)


class _Hub(http.server.BaseHTTPRequestHandler):
    """A stand-in for huggingface.co on 127.0.0.1: /resolve answers 302 to /cdn with the
    X-Linked-Etag/X-Linked-Size headers the Hub sends; /cdn serves the bytes."""
    body, declared = b"", ""

    def _send(self, with_body: bool):
        if self.path == "/resolve":
            self.send_response(302)
            self.send_header("Location", "/cdn")
            self.send_header("X-Linked-Etag", f'"{self.declared}"')
            self.send_header("X-Linked-Size", str(len(self.body)))
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            if with_body:
                self.wfile.write(self.body)

    def do_HEAD(self):  # noqa: N802
        self._send(False)

    def do_GET(self):  # noqa: N802
        self._send(True)

    def log_message(self, *args):
        pass


class DownloadAgainstLocalHub(unittest.TestCase):
    """The online path (HEAD for the declared SHA-256, download, check) against a local server."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        src = os.path.join(self.tmp.name, "src.safetensors")
        write_safetensors(src, random_dinov2(dict(SMALL, num_hidden_layers=1), seed=8)
                          .state_dict())
        with open(src, "rb") as f:
            _Hub.body = f.read()
        self.sha = tool.sha256_file(src)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/resolve"
        os.environ.pop("COLDSTART_OFFLINE")

    def tearDown(self):
        os.environ["COLDSTART_OFFLINE"] = "1"
        self.server.shutdown()
        self.server.server_close()
        self.tmp.cleanup()

    def test_declared_hash_is_read_without_following_the_redirect(self):
        _Hub.declared = self.sha
        self.assertEqual(tool.hf_declared_lfs(self.url), (self.sha, len(_Hub.body), ""))

    def test_download_is_checked_against_the_declared_hash(self):
        _Hub.declared = self.sha
        dest = os.path.join(self.tmp.name, "w", "model.safetensors")
        p = call_tool("--url", self.url, "--weights", dest, "--heads", "6",
                      "--out", os.path.join(self.tmp.name, "m.pt"))
        self.assertEqual(tool.sha256_file(dest), self.sha)
        self.assertIn(f"verified {dest} (sha256 {self.sha})", p.stdout)
        # Verified, then refused: the synthetic file is not ViT-B/14.
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("RAD-DINO has", p.stderr)

    def test_download_not_matching_the_declared_hash_is_refused(self):
        _Hub.declared = "f" * 64
        dest = os.path.join(self.tmp.name, "w", "model.safetensors")
        p = call_tool("--url", self.url, "--weights", dest,
                      "--out", os.path.join(self.tmp.name, "m.pt"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(f"has SHA-256 {self.sha}, expected {'f' * 64}", p.stderr)

    def test_sha256_option_must_agree_with_the_server(self):
        _Hub.declared = self.sha
        p = call_tool("--url", self.url, "--sha256", "e" * 64,
                      "--weights", os.path.join(self.tmp.name, "w", "model.safetensors"),
                      "--out", os.path.join(self.tmp.name, "m.pt"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("differs from the SHA-256 huggingface.co declares", p.stderr)

if __name__ == "__main__":
    unittest.main(verbosity=2)
