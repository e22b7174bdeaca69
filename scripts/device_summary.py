#!/usr/bin/env python3
"""Summary of scripts/device_check.sh: reads the step status and the programs' JSON from the
work folder, checks them against the targets of docs/benchmarks/gpu.md, and writes
OUT/summary.json and OUT/summary.md (the tables docs/benchmarks/gpu.md takes). Prints the
markdown. Numbers are only ever copied from the programs' output; a missing one reads "not run".
"""
import argparse
import json
import os
import xml.etree.ElementTree as ET


def load(path):
    try:
        with open(path) as f:
            text = f.read().strip()
        # a peer prints one JSON line; take the last line that parses
        for line in reversed(text.splitlines() or [text]):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
        return json.loads(text)
    except (OSError, json.JSONDecodeError):
        return None


def junit(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    tot = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
    names = {"failed_names": [], "skipped_names": []}
    for s in suites:
        for case in s.findall("testcase"):
            tot["tests"] += 1
            if case.find("failure") is not None or case.find("error") is not None:
                tot["failures"] += 1
                names["failed_names"].append(case.get("name"))
            elif case.find("skipped") is not None or case.get("status") in ("notrun", "disabled"):
                tot["skipped"] += 1
                names["skipped_names"].append(case.get("name"))
    tot.update(names)
    return tot


def fmt(v, spec="{:.3g}"):
    return "not run" if v is None else spec.format(v)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", choices=["device", "dry-run"], required=True)
    ap.add_argument("--seconds", type=float, default=0.0)
    a = ap.parse_args()
    w = lambda name: os.path.join(a.work, name)  # noqa: E731

    steps = {}
    if os.path.exists(w("status.txt")):
        for line in open(w("status.txt")):
            name, status, secs = line.rstrip("\n").split(":", 2)
            steps[name] = {"status": status, "seconds": float(secs or 0)}
    km, peer, pam = load(w("kmeans.json")), load(w("peer.json")), load(w("pam.json"))
    embed = {dt: load(w(f"embed_{dt}.json")) for dt in ("float16", "float32")}
    tests = None
    for part in ("ctest_cuda.xml", "ctest_embed_cuda.xml"):
        t = junit(w(part))
        if t is None:
            continue
        if tests is None:
            tests = t
        else:
            for key in t:
                tests[key] += t[key]
    checks = []  # (name, target, value, passed or None when not run)

    def check(name, target, value, passed):
        checks.append({"check": name, "target": target, "value": value, "passed": passed})

    for name, st in steps.items():
        check(f"step {name}", "ran", st["status"], st["status"] == "ok")
    if tests is not None:
        if a.mode == "device":
            failed = ", ".join(tests["failed_names"] + [n + " (skipped)" for n in tests["skipped_names"]])
            check("ctest -L cuda, -L embed_cuda", "all pass, none skipped",
                  f"{tests['tests']} tests, {tests['failures']} failed, {tests['skipped']} skipped"
                  + (f": {failed}" if failed else ""),
                  tests["tests"] > 0 and tests["failures"] == 0 and tests["skipped"] == 0)
        else:
            check("ctest -L cuda (no GPU: skips expected)", "none failed",
                  f"{tests['tests']} tests, {tests['failures']} failed, {tests['skipped']} skipped",
                  tests["tests"] > 0 and tests["failures"] == 0)

    ratio = None
    if a.mode == "device":
        if km:
            check("k-means assignment / SGEMM", ">= 0.60", km.get("assign_fraction_of_sgemm"),
                  km.get("assign_fraction_of_sgemm", 0) >= 0.60)
            c = km.get("check", {})
            check("k-means CPU vs GPU inertia (same start)", "rel diff <= 1e-5",
                  c.get("inertia_rel_diff"), c.get("inertia_rel_diff", 1) <= 1e-5)
            check("device data = host twin", "true", km.get("device_data_equals_host_twin"),
                  km.get("device_data_equals_host_twin") is True)
        if km and peer:
            ratio = peer["iteration_seconds"] / km["iteration_seconds"]
            check("k-means vs PyTorch peer (s/iter peer / ours)", ">= 1.0", ratio, ratio >= 1.0)
            same = abs(peer["data_checksum"] - km["data_checksum"]) <= 1e-9 * abs(km["data_checksum"])
            check("peer data = our data (checksum)", "equal", [km["data_checksum"], peer["data_checksum"]], same)
        if pam:
            check("FasterPAM GPU swap gains: same medoids as CPU", "true", pam.get("same_medoids"),
                  pam.get("same_medoids") is True)
        for dt, e in embed.items():
            for r in (e or {}).get("results", []):
                check(f"embedding {r['arch']} {dt} vs PyTorch eager", ">= 1.0", r["ratio"],
                      r["ratio"] >= 1.0)
    else:
        if km and peer:
            same = abs(peer["data_checksum"] - km["data_checksum"]) <= 1e-9 * abs(km["data_checksum"])
            check("peer data = our data (checksum, CPU)", "equal",
                  [km["data_checksum"], peer["data_checksum"]], same)
            rel = abs(peer["inertia"] - km["inertia"]) / km["inertia"]
            if peer.get("empty_clusters", 0) == 0:
                check("peer k-means = our CPU k-means (inertia, same start)", "rel diff <= 1e-4",
                      rel, rel <= 1e-4)

    all_passed = bool(checks) and all(c["passed"] for c in checks)
    summary = {"mode": a.mode, "seconds": a.seconds, "all_passed": all_passed, "steps": steps,
               "checks": checks, "ctest_cuda": tests, "kmeans": km, "peer": peer, "pam": pam,
               "embed": embed}
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)

    md = []
    md.append(f"# device_check {a.mode}: {'all checks passed' if all_passed else 'NOT all checks passed'}"
              f" ({a.seconds:.0f} s)\n")
    dev = ((km or {}).get("device") or (pam or {}).get("device")
           or ("no GPU (dry run)" if a.mode == "dry-run" else "none reported (no GPU program ran)"))
    md.append(f"Device: {dev}. Values are copied from the programs' JSON output.\n")
    md.append("| check | target | value | result |\n| --- | --- | --- | --- |")
    for c in checks:
        v = c["value"]
        v = fmt(v) if isinstance(v, float) else v
        md.append(f"| {c['check']} | {c['target']} | {v} | {'pass' if c['passed'] else 'FAIL'} |")
    if a.mode == "device":
        md.append("\n## k-means, n=1,000,000, d=1024, k=1000\n")
        md.append("| quantity | value |\n| --- | --- |")
        md.append(f"| cuBLAS SGEMM, engine tile shape (TFLOP/s) | {fmt((km or {}).get('sgemm_tile_tflops'))} |")
        md.append(f"| cuBLAS SGEMM, 8192^3 (TFLOP/s) | {fmt((km or {}).get('sgemm_8192_tflops'))} |")
        md.append(f"| assignment (s) | {fmt((km or {}).get('assign_seconds'))} |")
        md.append(f"| assignment (TFLOP/s) | {fmt((km or {}).get('assign_tflops'))} |")
        md.append(f"| assignment / best SGEMM | {fmt((km or {}).get('assign_fraction_of_sgemm'))} |")
        md.append(f"| coldstart Lloyd iteration (s) | {fmt((km or {}).get('iteration_seconds'))} |")
        md.append(f"| PyTorch peer iteration (s) | {fmt((peer or {}).get('iteration_seconds'))} |")
        md.append(f"| peer / coldstart | {fmt(ratio)} |")
        md.append(f"| inertia coldstart / peer | {fmt((km or {}).get('inertia'), '{:.9e}')} / "
                  f"{fmt((peer or {}).get('inertia'), '{:.9e}')} |")
        c = (km or {}).get("check", {})
        md.append(f"| CPU vs GPU n={c.get('n')} d={c.get('d')} k={c.get('k')}: inertia rel diff, labels differing | "
                  f"{fmt(c.get('inertia_rel_diff'))}, {c.get('labels_differing', 'not run')} |")
        md.append("\n## FasterPAM, n=20,000, d=64, k=100 (CPU precompute in both)\n")
        md.append("| CPU swap gains (s) | GPU swap gains (s) | speed-up | same medoids |\n| --- | --- | --- | --- |")
        md.append(f"| {fmt((pam or {}).get('cpu_seconds'))} | {fmt((pam or {}).get('gpu_seconds'))} | "
                  f"{fmt((pam or {}).get('speedup'))} | {(pam or {}).get('same_medoids', 'not run')} |")
        md.append("\n## TorchScript embedding on CUDA vs PyTorch eager (img/s, batch 64)\n")
        md.append("| arch | dtype | coldstart | eager | ratio |\n| --- | --- | --- | --- | --- |")
        for dt, e in embed.items():
            for r in (e or {}).get("results", []):
                md.append(f"| {r['arch']} | {dt} | {fmt(r['cpp_img_per_s'], '{:.1f}')} | "
                          f"{fmt(r['eager_img_per_s'], '{:.1f}')} | {fmt(r['ratio'], '{:.2f}')} |")
    md.append("\n## steps\n")
    md.append("| step | status | seconds |\n| --- | --- | --- |")
    for name, st in steps.items():
        md.append(f"| {name} | {st['status']} | {st['seconds']:.0f} |")
    text = "\n".join(md) + "\n"
    with open(os.path.join(a.out, "summary.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
