#!/usr/bin/env python3
"""M1 (PERFORMANCE.md): batond's memory. Prints two JSON lines in bench/run's format:
M1.idle — batond's resident set (VmRSS) on a data dir holding the sample data, once it answers
and has been idle a few seconds (target <= 50 MB);
M1.run  — batond's peak resident set (VmHWM) over a whole run of config/campaigns/winter-sale.json
on PROFILES profiles (default 1 000 000) through `batonctl --connect` (target <= 500 MB: rows
stay in the data plane, the engine holds counts and table names).
Usage: memory.py BUILD_DIR WORK_DIR [--profiles N] [--runs N]
"""
import json
import os
import socket
import subprocess
import sys
import time

build, work = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
profiles = int(args[args.index("--profiles") + 1]) if "--profiles" in args else 1_000_000
runs = int(args[args.index("--runs") + 1]) if "--runs" in args else 1
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tools = os.path.join(build, "tools")


def note(msg):
    print(f"M1: {msg}", file=sys.stderr, flush=True)


def run(*a, **kw):
    return subprocess.run(list(a), check=True, capture_output=True, text=True, **kw).stdout


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def load():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


data = os.path.join(work, "m1-data")
ctl = [os.path.join(tools, "batonctl"), "--data-dir", data]
note(f"preparing {profiles} profiles")
run(*ctl, "init")
run(*ctl, "schema", "apply", os.path.join(root, "config/schema.json"))
csv = os.path.join(work, "m1-csv")
run(os.path.join(tools, "baton-sample-data"), "--seed", "7", "--profiles", str(profiles), "--out", csv)
for e in ("households", "profiles", "purchases"):
    run(*ctl, "data", "load", e, os.path.join(csv, e + ".csv"))
token = run(*ctl, "user", "add", "bench", "--role", "admin").strip()
env = dict(os.environ, BATON_TOKEN=token)

idle, peak, sent = [], [], []
for i in range(runs):
    port = free_port()
    d = subprocess.Popen([os.path.join(tools, "batond"), "--data-dir", data, "--listen",
                          f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(work, "m1-batond.log"), "a"))
    remote = [os.path.join(tools, "batonctl"), "--connect", f"127.0.0.1:{port}"]
    for _ in range(100):
        if subprocess.run(remote + ["campaign", "list"], env=env, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    time.sleep(3)
    idle.append(status_kb(d.pid, "VmRSS") / 1024)
    t0 = time.time()
    subprocess.run(remote + ["run", os.path.join(root, "config/campaigns/winter-sale.json")],
                   env=env, check=True, capture_output=True, timeout=3600)
    peak.append(status_kb(d.pid, "VmHWM") / 1024)
    note(f"run {i + 1}: idle {idle[-1]:.1f} MB, peak {peak[-1]:.1f} MB, run {time.time() - t0:.1f} s")
    d.terminate()
    d.wait(timeout=120)

print(json.dumps({"id": "M1.idle", "what": "batond resident set, idle, on a data dir with the "
                  "sample data", "value": round(median(idle), 1), "unit": "MB",
                  "target": "<= 50 MB", "met": median(idle) <= 50, "runs": runs,
                  "loadavg_1m": load()}), flush=True)
print(json.dumps({"id": "M1.run", "what": f"batond peak resident set over a winter-sale run on "
                  f"{profiles} profiles", "value": round(median(peak), 1), "unit": "MB",
                  "profiles": profiles, "target": "<= 500 MB", "met": median(peak) <= 500,
                  "runs": runs, "loadavg_1m": load()}), flush=True)
