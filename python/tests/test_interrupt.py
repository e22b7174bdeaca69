"""Long calls run without the GIL, and Ctrl-C stops them within a second."""

import _thread
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import coldstart


def _long_fit_input():
    # Large enough that the fit takes many seconds on any machine (max_iter large, tol 0).
    return np.random.default_rng(0).normal(size=(200000, 64)).astype(np.float32)


def test_interrupt_main_stops_a_fit_within_a_second():
    x = _long_fit_input()
    est = coldstart.KMeans(256, init="random", n_init=50, max_iter=300, tol=0.0,
                           algorithm="lloyd", random_state=0)
    timer = threading.Timer(1.0, _thread.interrupt_main)
    start = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        est.fit(x)
    elapsed = time.perf_counter() - start
    timer.join()
    assert elapsed < 2.0, f"the fit stopped {elapsed - 1.0:.2f} s after the interrupt"
    assert not hasattr(est, "cluster_centers_")


_SIGINT_CHILD = """
import sys, time, numpy as np, coldstart
x = np.random.default_rng(0).normal(size=(200000, 64)).astype(np.float32)
print("ready", flush=True)
try:
    coldstart.KMeans(256, init="random", n_init=50, tol=0.0, algorithm="lloyd").fit(x)
except KeyboardInterrupt:
    print("interrupted", time.perf_counter(), flush=True)
    sys.exit(3)
sys.exit(0)
"""


def test_sigint_stops_a_fit_in_a_child_process():
    child = subprocess.Popen([sys.executable, "-c", _SIGINT_CHILD], stdout=subprocess.PIPE,
                             text=True, env=dict(os.environ))
    assert child.stdout.readline().strip() == "ready"
    time.sleep(1.0)  # inside the fit by now
    sent = time.perf_counter()
    child.send_signal(signal.SIGINT)
    line = child.stdout.readline().split()
    assert child.wait(timeout=30) == 3
    assert line[0] == "interrupted"
    assert float(line[1]) - sent < 1.0  # perf_counter is system-wide (CLOCK_MONOTONIC)


def test_other_python_threads_run_during_a_fit():
    x = np.random.default_rng(0).normal(size=(100000, 64)).astype(np.float32)
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    start = time.perf_counter()
    coldstart.KMeans(64, init="random", n_init=1, max_iter=10, tol=0.0, algorithm="lloyd",
                     random_state=0).fit(x)
    end = time.perf_counter()
    done.set()
    t.join()
    inside = [s for s in ticks if start < s < end]
    # Holding the GIL for the whole fit would leave no tick inside it.
    assert len(inside) >= 0.5 * (end - start) / 0.01 * 0.5
