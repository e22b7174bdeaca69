"""Shared steps of the export tools: checksums, offline messages, scripting, cards."""
import hashlib
import json
import os
import sys
import urllib.error
import urllib.request
import warnings

import torch

# torch.jit is deprecated in favour of torch.export, but TorchScript is what LibTorch loads.
warnings.filterwarnings("ignore", category=FutureWarning, module=r"torch\.jit")


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fail(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


OFFLINE_ENV = "COLDSTART_OFFLINE"


def offline() -> bool:
    """True when the environment variable COLDSTART_OFFLINE is set to a non-empty value other
    than 0: the tools then never touch the network (tests use it to reach the offline path)."""
    return os.environ.get(OFFLINE_ENV, "") not in ("", "0")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def hf_declared_lfs(url: str, timeout: float = 30.0):
    """(sha256, size) that huggingface.co declares for the LFS object behind a `/resolve/` URL:
    the X-Linked-Etag and X-Linked-Size headers of a HEAD request whose redirect to the CDN is not
    followed. Returns (None, None, reason) when offline or when the headers are missing."""
    if offline():
        return None, None, f"{OFFLINE_ENV} is set"
    opener = urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "coldstart-tools"})
    try:
        try:
            resp = opener.open(req, timeout=timeout)
            headers = resp.headers
        except urllib.error.HTTPError as e:  # the 302 to the CDN lands here
            if e.code not in (301, 302, 303, 307, 308):
                raise
            headers = e.headers
    except Exception as e:  # offline, proxy, HTTP error
        return None, None, str(e)
    etag = (headers.get("X-Linked-Etag") or "").strip().strip('"').lower()
    size = headers.get("X-Linked-Size") or ""
    if len(etag) != 64 or any(c not in "0123456789abcdef" for c in etag):
        return None, None, f"no SHA-256 in the X-Linked-Etag header (got '{etag}')"
    return etag, int(size) if size.isdigit() else 0, ""


def fetch_verified(url: str, dest: str, sha256: str = "", sha256_prefix: str = "",
                   size: int = 0) -> str:
    """Returns `dest` after checking its SHA-256 (full or prefix) and size; downloads it first
    when absent. Offline, stops with a message naming the URL and where to place the file."""
    if not os.path.exists(dest):
        os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
        print(f"downloading {url}\n         -> {dest}")
        tmp = dest + ".part"
        try:
            if offline():
                raise OSError(f"{OFFLINE_ENV} is set")
            urllib.request.urlretrieve(url, tmp)
        except Exception as e:  # offline, proxy, HTTP error
            if os.path.exists(tmp):
                os.remove(tmp)
            fail(f"could not download the weights ({e}).\n"
                 f"  Download this file on a machine with internet access:\n    {url}\n"
                 f"  and place it at:\n    {os.path.abspath(dest)}\n"
                 f"  (or pass --weights PATH), then run this tool again. Expected "
                 f"{size or '?'} bytes, SHA-256 {sha256 or sha256_prefix + '...'}.")
        os.replace(tmp, dest)
    got = sha256_file(dest)
    if size and os.path.getsize(dest) != size:
        fail(f"'{dest}' has {os.path.getsize(dest)} bytes, expected {size}: wrong or truncated "
             f"file; delete it and run again")
    if (sha256 and got != sha256) or (sha256_prefix and not got.startswith(sha256_prefix)):
        fail(f"'{dest}' has SHA-256 {got}, expected {sha256 or sha256_prefix + '...'}; delete it "
             f"and run again")
    print(f"verified {dest} (sha256 {got})")
    return got


def script_and_check(model: torch.nn.Module, example: torch.Tensor, out_path: str) -> torch.Tensor:
    """torch.jit.script → save → reload; checks the reloaded module matches eager mode."""
    model.eval()
    with torch.no_grad():
        eager = model(example)
        scripted = torch.jit.script(model)
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        tmp = out_path + ".tmp"
        scripted.save(tmp)
        reloaded = torch.jit.load(tmp)
        diff = (reloaded(example) - eager).abs().max().item()
    if diff > 1e-4 * max(1.0, eager.abs().max().item()):
        fail(f"TorchScript output differs from eager by {diff}")
    os.replace(tmp, out_path)
    print(f"wrote {out_path} (TorchScript; max |scripted - eager| = {diff:.2e}, "
          f"output {tuple(eager.shape)})")
    return eager


def write_card(out_path: str, card: dict) -> str:
    """Writes the JSON card beside the model: same path, extension .json."""
    card = dict(card)
    card["torchscript_sha256"] = sha256_file(out_path)
    card["torch_version"] = torch.__version__
    path = os.path.splitext(out_path)[0] + ".json"
    with open(path + ".tmp", "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {path}")
    return path


def preprocessing(preset: str, size: int, channels: int, mean, std, scale=1.0, offset=0.0):
    """The card's preprocessing block, read by coldstart's TorchScriptParams::from_card."""
    return {"preset": preset, "size": size, "channels": channels, "scale": scale,
            "offset": offset, "mean": list(mean), "std": list(std)}


IMAGENET = preprocessing("imagenet", 224, 3, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
TXRV = preprocessing("txrv", 224, 1, [0.0], [1.0], scale=2048.0, offset=-1024.0)


# ImageNet class indices that count as a correct look at two photographs that scikit-learn
# ships (offline): a Chinese temple and a flower.
TEMPLE = {442: "bell cote", 483: "castle", 497: "church", 538: "dome", 663: "monastery",
          698: "palace", 832: "stupa", 449: "boathouse"}
FLOWER = {985: "daisy", 309: "bee", 738: "pot (flowerpot)", 716: "picket fence"}


def _photo(name: str, pre: dict) -> torch.Tensor:
    import torch.nn.functional as F
    from sklearn.datasets import load_sample_image
    img = torch.from_numpy(load_sample_image(name).copy()).float().permute(2, 0, 1)[None] / 255
    h, w = img.shape[2:]
    s = min(h, w)
    img = img[:, :, (h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    size = pre["size"]
    img = F.interpolate(img, size=(size, size), mode="bilinear", align_corners=False,
                        antialias=True)
    mean = torch.tensor(pre["mean"])[:, None, None]
    std = torch.tensor(pre["std"])[:, None, None]
    return (img * pre["scale"] + pre["offset"] - mean) / std


def check_imagenet_head(model: torch.nn.Module, pre: dict) -> dict:
    """The top-5 ImageNet classes of each photo must include a plausible class; a wrong
    architecture, padding or preprocessing fails this. Skipped without scikit-learn."""
    import torch.nn.functional as F
    try:
        x = torch.cat([_photo("china.jpg", pre), _photo("flower.jpg", pre)])
    except Exception as e:
        print(f"warning: ImageNet head check skipped ({e})")
        return {"skipped": str(e)}
    with torch.no_grad():
        top = F.softmax(model.logits(x), 1).topk(5)
    result = {}
    for row, (name, ok) in enumerate([("china.jpg", TEMPLE), ("flower.jpg", FLOWER)]):
        idx = [int(i) for i in top.indices[row]]
        prob = [round(float(p), 3) for p in top.values[row]]
        hit = [i for i in idx if i in ok]
        print(f"  {name}: top-5 ImageNet classes {idx} probs {prob}"
              f"{' -> ' + ok[hit[0]] if hit else ''}")
        if not hit:
            fail(f"ImageNet head check failed on {name}: top-5 {idx} holds none of {sorted(ok)}"
                 " (wrong architecture, padding or preprocessing)")
        result[name] = {"top5": idx, "probs": prob}
    return result
