#!/usr/bin/env python3
"""The gallery page and the learning-curve plots in a real headless browser (Debian chromium).

usage: gallery_browser_test.py COLDSTART_EXE OUT_DIR

Builds a 24-image pool (names with spaces, '#', 'é', '&'), runs `coldstart embed`, `select
--gallery` and `acquire --gallery`, and opens each page in chromium twice: as written (screenshot
to OUT_DIR, console and CSP messages from chromium's log) and as a copy with a measuring script in
front (the page's Content-Security-Policy extended by script-src 'unsafe-inline' only, so data:
images stay the only thing it may load). Checks: no console error, no blocked or failed load, every
thumbnail decoded (naturalWidth > 0), one map mark per pool image and one ringed mark per pick, all
inside the map. Then `coldstart report` plots with long series names and a single budget: every
text inside the SVG, axis labels present, one marker per point. Exit 77 (skipped) without chromium.
"""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from synthetic_images import write_pool  # noqa: E402

HARNESS = r"""<script>
window.__errors = [];
const note = (m) => window.__errors.push(String(m));
const origError = console.error, origWarn = console.warn;
console.error = (...a) => { note('console.error: ' + a.join(' ')); origError(...a); };
console.warn = (...a) => { note('console.warn: ' + a.join(' ')); origWarn(...a); };
window.addEventListener('error', (e) => note('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || e.type)), true);
document.addEventListener('securitypolicyviolation', (e) => note('csp: ' + e.violatedDirective + ' ' + e.blockedURI));
window.addEventListener('load', () => {
  const r = {errors: window.__errors};
  const imgs = [...document.querySelectorAll('img')];
  r.images = imgs.length;
  r.images_loaded = imgs.filter((i) => i.complete && i.naturalWidth > 0).length;
  r.images_data_uri = imgs.filter((i) => i.src.startsWith('data:image/png;base64,')).length;
  r.cards = document.querySelectorAll('figure.card').length;
  r.captions = [...document.querySelectorAll('figure.card figcaption')].map((c) => c.textContent);
  const svg = document.querySelector('svg');
  r.svg = !!svg;
  if (svg) {
    const box = svg.getBoundingClientRect();
    r.svg_size = [box.width, box.height];
    const outside = (el) => { const b = el.getBoundingClientRect();
      return b.left < box.left - 0.5 || b.top < box.top - 0.5 || b.right > box.right + 0.5 || b.bottom > box.bottom + 0.5; };
    r.pool_marks = svg.querySelectorAll('circle.pool').length;
    r.pick_marks = svg.querySelectorAll('circle.pick').length;
    r.markers = svg.querySelectorAll('.marker').length;
    r.texts = [...svg.querySelectorAll('text')].map((t) => t.textContent);
    r.outside = [...svg.querySelectorAll('circle, text, .marker')].filter(outside).map((e) => e.outerHTML.slice(0, 120));
    r.xlabel = !!svg.querySelector('text.xlabel');
    r.ylabel = svg.querySelector('text.ylabel') ? svg.querySelector('text.ylabel').textContent : null;
  }
  const pre = document.createElement('pre');
  pre.id = 'harness-result';
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
});
</script>"""


def browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def chrome(exe: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-extensions", "--disable-background-networking", "--hide-scrollbars",
           "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def run(cmd: list[str]) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {p.returncode}\n{p.stderr}")
    return p.stdout


def measure(exe: str, page: Path, out_dir: Path) -> dict:
    """Loads a copy of `page` with the measuring script first; returns what it found."""
    html = page.read_text(encoding="utf-8")
    html = html.replace("style-src 'unsafe-inline'", "style-src 'unsafe-inline'; script-src 'unsafe-inline'")
    if "<head>" not in html:  # a bare SVG: wrap it
        html = f"<!DOCTYPE html><html><head></head><body style='margin:0'>{html}</body></html>"
    html = html.replace("<head>", "<head>" + HARNESS, 1)
    probe = out_dir / (page.stem + ".probe.html")
    probe.write_text(html, encoding="utf-8")
    p = chrome(exe, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    m = re.search(r'<pre id="harness-result">(.*?)</pre>', p.stdout, re.S)
    if not m:
        sys.exit(f"FAIL: no result from {probe}\nstdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}")
    return json.loads(m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def screenshot(exe: str, page: Path, png: Path, size: str) -> list[str]:
    """Screenshot of the page as written; returns chromium's console / CSP complaints about it."""
    p = chrome(exe, f"--screenshot={png}", f"--window-size={size}", page.as_uri())
    if not png.exists():
        sys.exit(f"FAIL: no screenshot {png}\n{p.stderr[-2000:]}")
    return [line for line in p.stderr.splitlines()
            if "CONSOLE" in line or "Refused to" in line or "Failed to load" in line]


def check(cond: bool, what: str, failures: list[str]) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def main() -> int:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cli, out_dir = sys.argv[1], Path(sys.argv[2])
    exe = browser()
    if not exe:
        print("SKIP: no chromium on PATH (scripts/setup.sh installs Debian's chromium)")
        return 77
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    failures: list[str] = []

    n = 24
    names = [f"img_{i:02d}.png" for i in range(n - 3)] + ["img #1 é.png", "x&y=2.png", "a b.png"]
    write_pool(out_dir / "pool", names)
    emb = out_dir / "emb.npy"
    run([cli, "embed", "--images", str(out_dir / "pool"), "--encoder", "pixels", "--size", "8",
         "--progress", "none", "--out", str(emb)])

    # --- select --gallery ---------------------------------------------------------------------
    budget = 6
    gallery = out_dir / "select_gallery.html"
    run([cli, "select", "--embeddings", str(emb), "--budget", str(budget), "--strategy",
         "kmeans-centroid", "--seed", "1", "--gallery", str(gallery), "--out",
         str(out_dir / "picks.csv")])
    complaints = screenshot(exe, gallery, out_dir / "select_gallery.png", "1280,1400")
    check(not complaints, f"select gallery: no console/CSP messages {complaints}", failures)
    r = measure(exe, gallery, out_dir)
    check(r["errors"] == [], f"select gallery: no errors {r['errors']}", failures)
    check(r["images"] == budget and r["images_loaded"] == budget and r["images_data_uri"] == budget,
          f"select gallery: {r['images_loaded']}/{r['images']} thumbnails loaded (want {budget}, data: URIs)",
          failures)
    check(r["cards"] == budget, f"select gallery: {r['cards']} cards", failures)
    check(r["pool_marks"] == n, f"select gallery: {r['pool_marks']} map marks for {n} pool images",
          failures)
    check(r["pick_marks"] == budget, f"select gallery: {r['pick_marks']} pick marks", failures)
    check(not r["outside"], f"select gallery: every mark inside the map {r['outside'][:3]}", failures)
    picks = [line.split(",")[0] for line in (out_dir / "picks.csv").read_text().splitlines()[1:]]
    order = [c.split(" ", 1)[1].split("cluster")[0].strip() for c in r["captions"]]
    check(order == picks, f"select gallery: cards in annotation order {order} == {picks}", failures)
    sizes = [int(re.search(r"cluster size (\d+)", c).group(1)) for c in r["captions"]]
    check(sum(sizes) == n, f"select gallery: cluster sizes {sizes} cover the pool of {n}", failures)

    # --- acquire --gallery (with features: a map) --------------------------------------------
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(n, 3))
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.save(out_dir / "probs.npy", probs.astype(np.float32))
    np.save(out_dir / "feats.npy", np.load(emb).astype(np.float32))
    ids = (out_dir / "emb.ids.csv").read_text()
    (out_dir / "probs.ids.csv").write_text(ids)
    (out_dir / "done.csv").write_text("id\n" + "\n".join(picks) + "\n")
    batch = 4
    agallery = out_dir / "acquire_gallery.html"
    run([cli, "acquire", "--probabilities", str(out_dir / "probs.npy"), "--features",
         str(out_dir / "feats.npy"), "--labelled", str(out_dir / "done.csv"), "--batch", str(batch),
         "--strategy", "badge", "--gallery", str(agallery), "--out", str(out_dir / "next.csv")])
    complaints = screenshot(exe, agallery, out_dir / "acquire_gallery.png", "1280,1200")
    check(not complaints, f"acquire gallery: no console/CSP messages {complaints}", failures)
    r = measure(exe, agallery, out_dir)
    check(r["errors"] == [] and r["images_loaded"] == batch == r["images"],
          f"acquire gallery: {r['images_loaded']}/{r['images']} thumbnails, errors {r['errors']}",
          failures)
    check(r["pool_marks"] == n and r["pick_marks"] == batch,
          f"acquire gallery: {r['pool_marks']} pool marks, {r['pick_marks']} batch marks", failures)
    scores = [line.split(",")[-1] for line in (out_dir / "next.csv").read_text().splitlines()[1:]]
    shown = [re.search(r"score (\S+)", c).group(1) for c in r["captions"]]
    check(all(abs(float(a) - float(b)) <= 1e-5 * max(1.0, abs(float(a))) for a, b in zip(scores, shown))
          and len(shown) == batch, f"acquire gallery: scores {shown} match next.csv {scores}", failures)

    # --- learning-curve plots -----------------------------------------------------------------
    rows = ["dataset,task,strategy,encoder,learner,phase,budget,seed,metric,value"]
    long_names = ["kmeans-centroid", "a-strategy-with-a-rather-long-registered-name", "random"]
    for s_i, s in enumerate(long_names):
        for seed in range(3):
            for b in (10, 20, 40):
                for metric in ("auroc", "auprc", "f1", "hd95"):
                    v = 0.5 + 0.01 * b / 2 + 0.02 * s_i + 0.01 * seed
                    rows.append(f"d,classification,{s},enc-with-long-name,logistic-probe,active,{b},{seed},{metric},{v}")
            rows.append(f"d,classification,{s},enc,logistic-probe,initial,20,{seed},auroc,{0.6 + 0.01 * seed + 0.03 * s_i}")
    (out_dir / "results.csv").write_text("\n".join(rows) + "\n")
    plots = out_dir / "plots"
    plots.mkdir()
    run([cli, "report", str(out_dir / "results.csv"), "--plots", str(plots)])
    svgs = sorted(plots.glob("*.svg"))
    check(len(svgs) == 5, f"plots: {len(svgs)} SVGs (auroc, auprc, f1, hd95 active + auroc initial)",
          failures)
    for svg in svgs:
        r = measure(exe, svg, out_dir)
        points = 3 if "_active" in svg.name else 1
        check(not r["outside"], f"{svg.name}: every text and marker inside {r['outside'][:2]}", failures)
        check(r["xlabel"] and r["ylabel"] and svg.name.split("_")[2].upper() in r["ylabel"],
              f"{svg.name}: axis labels (y: {r['ylabel']})", failures)
        check(r["markers"] == 3 * points + 3, f"{svg.name}: {r['markers']} markers "
              f"(want {3 * points} points + 3 legend)", failures)
        check(any(long_names[1] in t for t in r["texts"]), f"{svg.name}: long legend entry shown",
              failures)
    for name in ("d_classification_auroc_active.svg", "d_classification_auroc_initial.svg"):
        html = out_dir / (name + ".html")
        html.write_text("<!DOCTYPE html><html><body style='margin:0'>" + (plots / name).read_text()
                        + "</body></html>")
        screenshot(exe, html, out_dir / (name + ".png"), "900,560")

    print(f"screenshots: {sorted(str(p) for p in out_dir.glob('*.png'))}")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
