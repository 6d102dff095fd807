#!/usr/bin/python3
"""P13 (PERFORMANCE.md): the console in headless Chromium against a real batond.
- P13: a 200-activity campaign's canvas drawn: from navigation start to the 200th activity in
  the SVG (median of the runs);
- P13.live: from an event (its time in the log) to its count shown on the canvas (median over the
  transitions of a live run, the browser and batond on the same clock).
Prints one JSON line per figure. Usage: console_bench.py BUILD_DIR [--quick] [--runs N]"""
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "console"))
from batond_fixture import Batond  # noqa: E402
from browser_test import browser  # noqa: E402

WATCH = """
window.__drawn = null; window.__seen = {};
new MutationObserver(() => {
  const g = document.getElementById('graph');
  if (!g) return;
  if (window.__drawn === null && g.querySelectorAll('.node').length >= 200)
    window.__drawn = performance.now();
  for (const e of g.querySelectorAll('.edge')) {
    const k = e.dataset.from + '|' + e.dataset.output + '|' + e.dataset.to;
    const t = e.querySelector('.count').textContent;
    if (!(k in window.__seen) && /\\d$/.test(t)) window.__seen[k] = Date.now();
  }
}).observe(document, {childList: true, subtree: true});
"""


def big_campaign():
    """A population (build_audience) fanned out to 9 chains of 22 one-second waits (validation
    refuses a wait of zero): 200 activities; a live run takes about 25 s."""
    acts = [{"id": "all", "type": "build_audience",
             "filter": {"field": "email_opt_in", "op": "eq", "value": True}},
            {"id": "fan", "type": "fork", "branches": [f"b{i}" for i in range(9)]}]
    trans = [{"from": "all", "to": "fan"}]
    for b in range(9):
        prev, out = "fan", f"b{b}"
        for k in range(22):
            aid = f"w{b}_{k}"
            acts.append({"id": aid, "type": "wait", "duration": "PT1S"})
            t = {"from": prev, "to": aid}
            if out:
                t["output"] = out
            trans.append(t)
            prev, out = aid, None
    return {"name": "P13 canvas", "dimension": "profiles", "activities": acts,
            "transitions": trans}


def main():
    build = sys.argv[1]
    quick = "--quick" in sys.argv
    runs = 2 if quick else 5
    if "--runs" in sys.argv:
        runs = int(sys.argv[sys.argv.index("--runs") + 1])
    b = Batond(build, profiles=500)
    d = browser()
    try:
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
        s, _, r = b.request("POST", "/api/v1/campaigns", b.tokens["alice"], big_campaign())
        assert s == 201, r
        cid = r["id"]
        d.get(b.url + "/signin")
        d.find_element("id", "token").send_keys(b.tokens["alice"])
        d.find_element("id", "signin").click()
        drawn = []
        for _ in range(runs):
            d.get(f"{b.url}/campaigns/{cid}")
            deadline = time.time() + 30
            while time.time() < deadline and d.execute_script("return window.__drawn") is None:
                time.sleep(0.02)
            drawn.append(d.execute_script("return window.__drawn"))
        print(json.dumps({"id": "P13", "what": "a 200-activity campaign's canvas drawn in "
                          "headless Chromium (navigation start to the 200th activity)",
                          "value": round(statistics.median(drawn)), "unit": "ms",
                          "target": "<= 1000"}), flush=True)
        s, _, r = b.request("POST", f"/api/v1/campaigns/{cid}/publish", b.tokens["alice"])
        assert s == 200, r
        b.wait_status(b.tokens["alice"], cid, ("completed", "failed"), timeout=120)
        time.sleep(1.5)
        seen = d.execute_script("return window.__seen")
        _, _, state = b.request("GET", f"/api/v1/campaigns/{cid}/state", b.tokens["alice"])
        done = {}
        for e in b.events(b.tokens["alice"], f"campaign={cid}&type=task_completed"):
            done[e["payload"]["activity"]] = e["timeUs"] / 1000.0
        lags = [seen[k] - done[k.split("|")[0]] for k in seen if k.split("|")[0] in done]
        print(json.dumps({"id": "P13.live", "what": "a count shown on the canvas after its "
                          "task_completed event (median over the transitions of a live run)",
                          "value": round(statistics.median(lags)), "unit": "ms",
                          "transitions": len(lags), "of": len(state["graph"]["edges"]),
                          "target": "<= 1000"}), flush=True)
    finally:
        d.quit()
        b.close()


if __name__ == "__main__":
    main()
