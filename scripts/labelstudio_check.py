#!/usr/bin/env python3
"""End-to-end check of the Label Studio export against a real Label Studio server.

usage: [LS_PYTHON=/path/to/venv/bin/python] scripts/labelstudio_check.py COLDSTART_EXE [WORK_DIR]

Writes a 12-image pool (all of it ends up picked: 8 by select, 4 by acquire) whose file names
need percent-encoding ("img #1 é.png", "x&y=2.png"), runs
`coldstart embed`, `select --format labelstudio --labelstudio-config classification --path-root
WORK` and `acquire --format labelstudio --labelstudio-config segmentation`, then starts Label
Studio (requirements-labelstudio.txt) on 127.0.0.1 with local-file serving rooted at WORK,
creates one project per export with the generated labeling config and a local-files storage on
WORK/pool (Label Studio wants the storage folder strictly below the document root), imports the tasks, and checks: every task imported, every image URL answers 200 with
the file's bytes, the unencoded URL of an awkward name does not, and acquire's tasks carry
predictions with the scores and model version. The server is stopped at the end; every step has
a time limit. Exit 0 when all checks pass, 1 otherwise, 77 when Label Studio is not installed.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "support"))
from synthetic_images import write_pool  # noqa: E402

TOKEN = "coldstart-check-token-0123456789abcdef"
START_TIMEOUT_S = 300


def run(cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(map(str, cmd))} exited {p.returncode}\n{p.stderr}")
    return p.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, body=None, raw=False):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Token {TOKEN}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                payload = r.read()
                return r.status, (payload if raw else json.loads(payload or b"null"))
        except urllib.error.HTTPError as e:
            return e.code, e.read()


def main() -> int:
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    cli = Path(sys.argv[1]).resolve()
    ls_python = os.environ.get("LS_PYTHON", sys.executable)
    ls = Path(ls_python).parent / "label-studio"
    if not ls.exists():
        print(f"SKIP: no label-studio beside {ls_python} (pip install -r requirements-labelstudio.txt)")
        return 77
    work = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(tempfile.mkdtemp(prefix="coldstart_ls_"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    pool = work / "pool"
    names = ["img #1 é.png", "x&y=2.png", "a b.png"] + [f"p{i}.png" for i in range(9)]
    write_pool(pool, names)
    t0 = time.monotonic()

    # --- coldstart: embed, select, acquire ---------------------------------------------------
    run([cli, "embed", "--images", pool, "--encoder", "pixels", "--size", "8", "--progress", "none",
         "--out", work / "emb.npy"])
    run([cli, "select", "--embeddings", work / "emb.npy", "--budget", "8", "--format",
         "labelstudio", "--path-root", work, "--labelstudio-config", "classification",
         "--class-names", "normal,benign,malignant", "--out", work / "picks.csv"])
    ids = (work / "emb.ids.csv").read_text().splitlines()
    n = len(ids) - 1
    probs = np.random.default_rng(0).dirichlet([1.0, 1.0], size=n).astype(np.float32)
    np.save(work / "probs.npy", probs)
    (work / "probs.ids.csv").write_text("\n".join(ids) + "\n")
    picked = [line.split(",")[0] for line in (work / "picks.csv").read_text().splitlines()[1:]]
    (work / "done.csv").write_text("id\n" + "\n".join(picked) + "\n")
    run([cli, "acquire", "--probabilities", work / "probs.npy", "--labelled", work / "done.csv",
         "--batch", "4", "--strategy", "entropy", "--format", "labelstudio", "--path-root", work,
         "--labelstudio-config", "segmentation", "--out", work / "next.csv"])

    # --- Label Studio ------------------------------------------------------------------------
    port = free_port()
    env = dict(os.environ,
               LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED="true",
               # The storage's folder must lie strictly below the document root, and ?d= paths
               # are relative to the root: root WORK, storage WORK/pool, --path-root WORK.
               LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT=str(work),
               LABEL_STUDIO_BASE_DATA_DIR=str(work / "ls-data"),
               LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
               SENTRY_DSN="", FRONTEND_SENTRY_DSN="")
    log = open(work / "label-studio.log", "w")
    server = subprocess.Popen(
        [str(ls), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(work / "ls-data"), "--username", "check@coldstart.local", "--password",
         "coldstart-check", "--user-token", TOKEN, "--enable-legacy-api-token"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what, flush=True)
        if not cond:
            failures.append(what)

    try:
        api = Api(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(api.base + "/health", timeout=5).status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if server.poll() is not None:
                sys.exit(f"FAIL: label-studio exited {server.returncode}; see {work}/label-studio.log")
            time.sleep(2)
        else:
            sys.exit(f"FAIL: label-studio not up within {START_TIMEOUT_S} s; see {work}/label-studio.log")
        started = time.monotonic()
        print(f"label-studio up after {started - t0:.0f} s (coldstart steps included)", flush=True)

        for stem, want_predictions in (("picks", False), ("next", True)):
            config = (work / f"{stem}.labelstudio.xml").read_text()
            st, project = api.call("POST", "/api/projects", {"title": f"coldstart {stem}",
                                                             "label_config": config})
            check(st == 201, f"{stem}: project created with the generated config (HTTP {st}) {'' if st == 201 else project[:300]}")
            if st != 201:
                continue
            pid = project["id"]
            st, storage = api.call("POST", "/api/storages/localfiles",
                                   {"project": pid, "path": str(pool), "use_blob_urls": False,
                                    "title": "pool"})
            check(st == 201, f"{stem}: local-files storage on the pool (HTTP {st}) {'' if st == 201 else storage[:300]}")
            tasks = json.loads((work / f"{stem}.labelstudio.json").read_text())
            st, imp = api.call("POST", f"/api/projects/{pid}/import", tasks)
            check(st == 201 and imp.get("task_count") == len(tasks),
                  f"{stem}: imported {imp.get('task_count') if st == 201 else imp} of {len(tasks)} tasks")
            st, listed = api.call("GET", f"/api/tasks?project={pid}&page_size=100&fields=all")
            got = listed["tasks"] if isinstance(listed, dict) else listed
            check(st == 200 and len(got) == len(tasks), f"{stem}: {len(got)} tasks listed")
            csv = {r.split(",")[0]: r.split(",") for r in (work / f"{stem}.csv").read_text().splitlines()[1:]}
            for t in got:
                url = t["data"]["image"]
                cid = t["data"]["coldstart_id"]
                path = Path(csv[cid][1])
                st, body = api.call("GET", url, raw=True)
                check(st == 200 and body == path.read_bytes(),
                      f"{stem}: {url} -> HTTP {st}, {'same bytes' if body == path.read_bytes() else 'other bytes'}")
                if want_predictions:
                    preds = t.get("predictions") or []
                    score = preds[0].get("score") if preds else None
                    check(preds and abs(score - float(csv[cid][2])) < 1e-6 and
                          "entropy" in (preds[0].get("model_version") or ""),
                          f"{stem}: task {cid} prediction score {score} (next.csv {csv[cid][2]}), "
                          f"model_version {preds[0].get('model_version') if preds else None}")
        # What the encoding fixes: the raw name of "img #1 é.png" is cut at '#' and not found.
        st, _ = api.call("GET", "/data/local-files/?d=pool/img%20#1%20%C3%A9.png", raw=True)
        check(st != 200, f"unencoded '#' in the URL fails (HTTP {st}), as the issue reported")
        print(f"Label Studio checks took {time.monotonic() - started:.0f} s after start-up; "
              f"{time.monotonic() - t0:.0f} s in all", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    if failures:
        print(f"{len(failures)} check(s) failed; server log: {work}/label-studio.log")
        return 1
    print("all Label Studio checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
