#!/usr/bin/env python3
"""Replay in CI over every event type (issue 10 item 7), through the shipped binaries.

tests/fixtures/all-types.jsonl was recorded from real runs by tests/fixtures/make-all-types.sh;
all-types.expected.json holds what the recording build showed of it. This test imports the log
with `baton-replay import`, checks `baton-replay verify`, then compares what today's binaries
show — `batonctl campaign show --json`, `baton-replay timeline --json`, `baton-replay state
--seq --json` — with the recording. It also fails when an event type or version of the catalog
(tests/events/golden/TYPE.vN.hex) is in neither recorded log: a new type must be recorded too.
Usage: all_types_test.py SOURCE_DIR BUILD_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

src, build = sys.argv[1], sys.argv[2]
fixtures = os.path.join(src, "tests", "fixtures")
tools = os.path.join(build, "tools")
failures = []


def run(*args, ok=True):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=120)
    if ok and r.returncode != 0:
        sys.exit(f"FAIL: {' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    return r


def check(what, got, want):
    if got != want:
        failures.append(what)
        print(f"FAIL: {what}\n  recorded: {json.dumps(want)[:600]}\n  now:      {json.dumps(got)[:600]}")


def recorded_types(path):
    out = set()
    with open(path) as f:
        for line in f:
            e = json.loads(line)
            out.add((e["type"], e["version"]))
    return out


# 1. Coverage: every (type, version) of the catalog is in a recorded log.
catalog = set()
for name in os.listdir(os.path.join(src, "tests", "events", "golden")):
    base = name[: -len(".hex")]
    t, v = base.rsplit(".v", 1)
    catalog.add((t, int(v)))
seen = recorded_types(os.path.join(fixtures, "all-types.jsonl")) | recorded_types(
    os.path.join(fixtures, "campaigns.jsonl"))
missing = sorted(catalog - seen)
if missing:
    failures.append("coverage")
    print("FAIL: event types in no recorded log (extend tests/fixtures/make-all-types.sh and "
          "record again): " + ", ".join(f"{t} v{v}" for t, v in missing))
print(f"coverage: {len(catalog & seen)} of {len(catalog)} catalog types and versions recorded")

# 2. The binaries over the imported log.
expected = json.load(open(os.path.join(fixtures, "all-types.expected.json")))
with tempfile.TemporaryDirectory(prefix="baton-all-types-") as tmp:
    data = os.path.join(tmp, "data")
    ctl = [os.path.join(tools, "batonctl"), "--data-dir", data]
    replay = [os.path.join(tools, "baton-replay"), "--data-dir", data]
    run(*ctl, "init")
    # import wants an empty event store: init's own events (if any) go with a fresh one
    r = run(*replay, "--json", "import", os.path.join(fixtures, "all-types.jsonl"), ok=False)
    if r.returncode != 0:
        sys.exit(f"FAIL: baton-replay import: {r.stderr.strip()}")
    check("imported event count", json.loads(r.stdout)["imported"], expected["events"])
    run(*replay, "verify")
    for cid, shown in expected["final"].items():
        got = json.loads(run(*ctl, "campaign", "show", cid, "--json").stdout)
        check(f"campaign show {cid}", got, shown)
    for cid, lines in expected["timeline"].items():
        got = run(*replay, "--json", "timeline", cid).stdout
        check(f"timeline {cid}", got, lines)
    for key, state in expected["points"].items():
        cid, seq = key.split("@")
        got = json.loads(run(*replay, "state", cid, "--seq", seq, "--json").stdout)
        check(f"state {cid} --seq {seq}", got, state)
    print(f"replayed: {len(expected['final'])} campaigns, {len(expected['points'])} points")

if failures:
    sys.exit(f"{len(failures)} failure(s)")
print("ok")
