"""The HTTP API of batond --http (INTERFACES.md §11) against a real batond child process:
authentication (401, auth_failed), roles (403 + permission_refused), the error kinds, the
campaign paths, time travel, events as JSON lines and as Server-Sent Events, console sessions
with their CSRF check, and the tracking paths left as they were.
Usage: api_test.py BUILD_DIR"""
import http.client
import json
import os
import sys
import threading
import time
import unittest
import urllib.error
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batond_fixture import SRC, Batond  # noqa: E402

B = None


def campaign_json():
    with open(os.path.join(SRC, "config/campaigns/winter-sale.json")) as f:
        return f.read()


class Sse:
    """One SSE connection; collects (id, data) pairs and comments on a thread."""

    def __init__(self, path, token, last_event_id=None):
        u = urllib.parse.urlparse(B.url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        h = {"Accept": "text/event-stream", "Authorization": "Bearer " + token}
        if last_event_id is not None:
            h["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", path, headers=h)
        self.resp = self.conn.getresponse()
        self.events, self.comments = [], []
        self.lock = threading.Lock()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        ident = None
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    return
                line = line.decode().rstrip("\n")
                with self.lock:
                    if line.startswith("id: "):
                        ident = int(line[4:])
                    elif line.startswith("data: "):
                        self.events.append((ident, json.loads(line[6:])))
                    elif line.startswith(":"):
                        self.comments.append(line)
        except Exception:  # the connection closed under the reader
            return

    def wait(self, pred, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                hit = [e for e in self.events if pred(e[1])]
            if hit:
                return hit
            time.sleep(0.05)
        raise AssertionError("no such event in " + json.dumps([e for _, e in self.events])[:2000])

    def close(self):
        self.conn.close()


class ApiTest(unittest.TestCase):
    def admin(self):
        return B.tokens["alice"]

    def create(self, token=None):
        status, _, r = B.request("POST", "/api/v1/campaigns", token or self.admin(),
                                 campaign_json())
        self.assertEqual(status, 201, r)
        return r["id"]

    def test_no_token_wrong_token_and_revoked_are_401_with_the_same_words(self):
        s1, h1, r1 = B.request("GET", "/api/v1/campaigns")
        s2, _, r2 = B.request("GET", "/api/v1/campaigns", "0" * 64)
        self.assertEqual((s1, s2), (401, 401))
        self.assertEqual(r1, r2)
        self.assertEqual(r1["error"]["where"], "auth")
        self.assertIn("Bearer", h1["WWW-Authenticate"])
        deadline = time.time() + 10
        while time.time() < deadline:  # recorded a moment after the answer
            failed = B.events(self.admin(), "type=auth_failed")
            if len(failed) >= 2:
                break
            time.sleep(0.1)
        self.assertTrue(all(e["payload"]["peer"] == "http:127.0.0.1" for e in failed), failed)
        self.assertGreaterEqual(len(failed), 2)
        self.assertNotIn("0" * 64, json.dumps(failed))  # no token ever in an event

    def test_list_create_show_graph_report(self):
        cid = self.create()
        s, _, lst = B.request("GET", "/api/v1/campaigns", self.admin())
        self.assertEqual(s, 200)
        self.assertIn(cid, [c["id"] for c in lst])
        s, _, drafts = B.request("GET", "/api/v1/campaigns?status=draft", B.tokens["victor"])
        self.assertEqual(s, 200)
        self.assertTrue(all(c["status"] == "draft" for c in drafts))
        s, _, c = B.request("GET", "/api/v1/campaigns/" + cid, B.tokens["victor"])
        self.assertEqual((s, c["id"], c["status"], c["name"]), (200, cid, "draft", "Winter sale"))
        s, _, g = B.request("GET", f"/api/v1/campaigns/{cid}/graph", self.admin())
        self.assertEqual(s, 200)
        self.assertIn("buyers", [n["id"] for n in g["nodes"]])
        s, _, t = B.request("GET", f"/api/v1/campaigns/{cid}/graph?format=text", self.admin())
        self.assertIn("buyers", t["graph"])
        s, _, r = B.request("GET", f"/api/v1/campaigns/{cid}/report", self.admin())
        self.assertEqual((s, r["campaign"]), (200, cid))

    def test_the_same_document_as_batonctl(self):
        cid = self.create()
        _, _, shown = B.request("GET", "/api/v1/campaigns/" + cid, self.admin())
        self.assertEqual(shown, json.loads(B.remote(self.admin(), "campaign", "show", cid,
                                                    "--json")))
        lines = B.request("GET", f"/api/v1/events?campaign={cid}", self.admin())[2]
        ctl = B.ctl("events", "--campaign", cid, "--json")
        mine = lines if isinstance(lines, str) else json.dumps(lines) + "\n"
        self.assertEqual([json.loads(l) for l in mine.splitlines() if l],
                         [json.loads(l) for l in ctl.splitlines() if l])

    def test_error_kinds(self):
        s, _, r = B.request("GET", "/api/v1/campaigns/c-00000000", self.admin())
        self.assertEqual(s, 404, r)
        s, _, r = B.request("POST", "/api/v1/campaigns", self.admin(),
                            '{"name": "x", "activities": [{"id": "a", "type": "nope"}]}')
        self.assertEqual(s, 400, r)
        self.assertTrue(r["error"]["where"].startswith("/"), r)
        self.assertGreaterEqual(len(r["error"]["problems"]), 1)
        s, _, r = B.request("POST", "/api/v1/campaigns", self.admin(), "{not json")
        self.assertEqual(s, 400, r)
        cid = self.create()
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/resume", self.admin())
        self.assertEqual(s, 409, r)  # a draft cannot resume: the lifecycle refuses
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/fly", self.admin())
        self.assertEqual(s, 404, r)
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/confirm", self.admin(), "[1]")
        self.assertEqual(s, 400, r)
        s, _, r = B.request("GET", "/api/v1/nothing", self.admin())
        self.assertEqual((s, r["error"]["where"]), (404, "/api/v1/nothing"))
        try:  # beyond the 1 MiB cap: refused before the body is read
            s, _, r = B.request("POST", "/api/v1/campaigns", self.admin(), "x" * (2 << 20))
            self.assertEqual(s, 413)
        except (ConnectionError, urllib.error.URLError):
            pass

    def test_viewer_refused_a_publish_403_and_recorded(self):
        cid = self.create()
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/publish", B.tokens["victor"])
        self.assertEqual(s, 403, r)
        self.assertEqual(r["error"]["where"], "permission")
        self.assertEqual(r["error"]["what"], "victor (viewer) may not campaign publish")
        s, _, r = B.request("POST", "/api/v1/campaigns", B.tokens["victor"], campaign_json())
        self.assertEqual(s, 403, r)
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/publish", B.tokens["mona"])
        self.assertEqual(r["error"]["what"], "mona (manager) may not campaign publish")
        deadline = time.time() + 10
        while time.time() < deadline:
            refused = B.events(self.admin(), "type=permission_refused")
            mine = [e["payload"] for e in refused if e["payload"].get("campaign") == cid]
            if len(mine) >= 2:
                break
            time.sleep(0.1)
        self.assertIn({"actor": "victor", "role": "viewer", "command": "campaign publish",
                       "campaign": cid}, mine)
        self.assertEqual(B.request("GET", "/api/v1/campaigns/" + cid, self.admin())[2]["status"],
                         "draft")

    def test_sse_live_events_heartbeats_and_last_event_id(self):
        cid = self.create()
        sse = Sse(f"/api/v1/events?campaign={cid}", B.tokens["victor"])
        try:
            self.assertEqual(sse.resp.status, 200)
            self.assertTrue(sse.resp.getheader("Content-Type").startswith("text/event-stream"))
            time.sleep(0.3)
            s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/publish", self.admin())
            self.assertEqual(s, 200, r)
            hit = sse.wait(lambda e: e["type"] == "task_completed")
            self.assertTrue(all(e["stream"] == "campaign/" + cid for _, e in sse.events))
            self.assertTrue(all(i == e["seq"] for i, e in sse.events))
            self.assertNotIn("campaign_created", [e["type"] for _, e in sse.events])
            self.assertTrue(hit)
        finally:
            sse.close()
        old = Sse(f"/api/v1/events?campaign={cid}", B.tokens["victor"], last_event_id=0)
        try:
            old.wait(lambda e: e["type"] == "campaign_created")
        finally:
            old.close()
        B.wait_status(self.admin(), cid, ("completed", "failed"))

    def test_time_travel_state_and_history(self):
        cid = self.create()
        B.request("POST", f"/api/v1/campaigns/{cid}/publish", self.admin())
        B.wait_status(self.admin(), cid, ("completed", "failed"))
        s, _, h = B.request("GET", f"/api/v1/campaigns/{cid}/history", B.tokens["victor"])
        self.assertEqual(s, 200)
        self.assertEqual(h[0]["type"], "campaign_created")
        self.assertEqual(h[0]["actor"], "alice")
        s, _, first = B.request("GET", f"/api/v1/campaigns/{cid}/state?seq={h[0]['seq']}",
                                B.tokens["victor"])
        self.assertEqual((s, first["campaign"]["status"], first["campaign"]["runs"]),
                         (200, "draft", []))
        self.assertEqual(first["definition"]["name"], "Winter sale")
        s, _, now = B.request("GET", f"/api/v1/campaigns/{cid}/state", B.tokens["victor"])
        self.assertEqual(len(now["campaign"]["runs"]), 1)
        self.assertTrue(any(e["count"] for e in now["graph"]["edges"]))
        shown = B.request("GET", "/api/v1/campaigns/" + cid, self.admin())[2]
        shown.pop("approval", None)  # the engine's view adds the approval flow's state
        self.assertEqual(now["campaign"], shown)

    def test_console_session_cookie_and_csrf(self):
        s, h, page = B.request("GET", "/")
        self.assertEqual(s, 200)  # urllib follows the redirect to the sign-in page
        self.assertIn('name="token"', page)
        s, h, r = B.request("GET", "/api/v1/campaigns", headers={"Cookie": "baton_session=abc"})
        self.assertEqual(s, 401)
        cookie = self.sign_in(B.tokens["victor"])
        s, _, page = B.request("GET", "/", headers={"Cookie": cookie})
        self.assertIn('<meta name="csrf-token" content="', page)
        csrf = page.split('<meta name="csrf-token" content="')[1].split('"')[0]
        s, _, me = B.request("GET", "/api/v1/me", headers={"Cookie": cookie})
        self.assertEqual(me, {"user": "victor", "role": "viewer"})
        cid = self.create()
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/publish",
                            headers={"Cookie": cookie})
        self.assertEqual((s, r["error"]["where"]), (403, "csrf"))
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/publish",
                            headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        self.assertEqual((s, r["error"]["where"]), (403, "permission"))
        mona = self.sign_in(B.tokens["mona"])
        page = B.request("GET", "/", headers={"Cookie": mona})[2]
        mcsrf = page.split('<meta name="csrf-token" content="')[1].split('"')[0]
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/duplicate",
                            headers={"Cookie": mona, "X-CSRF-Token": csrf})
        self.assertEqual(s, 403)  # another session's CSRF token is no good
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/duplicate",
                            headers={"Cookie": mona, "X-CSRF-Token": mcsrf})
        self.assertEqual(s, 201, r)
        s, _, r = B.request("POST", "/signin", body="token=" + B.tokens["mona"],
                            headers={"Content-Type": "application/x-www-form-urlencoded",
                                     "Origin": "http://evil.example"})
        self.assertEqual(s, 403)

    def sign_in(self, token):
        u = urllib.parse.urlparse(B.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        conn.request("POST", "/signin", body="token=" + token,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 303)
        set_cookie = r.getheader("Set-Cookie")
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attr, set_cookie)
        conn.close()
        return set_cookie.split(";")[0]

    def test_wrong_sign_in_is_refused_and_tracking_paths_unchanged(self):
        s, _, page = B.request("POST", "/signin", body="token=nope",
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(s, 401)
        self.assertIn("missing, wrong or revoked", page)
        s, _, text = B.request("GET", "/t/c/notatoken")
        self.assertEqual((s, text), (404, "not found\n"))
        s, _, css = B.request("GET", "/assets/console.css")
        self.assertEqual(s, 200)
        s, _, r = B.request("GET", "/assets/none.js")
        self.assertEqual(s, 404)


if __name__ == "__main__":
    B = Batond(sys.argv.pop(1))
    try:
        unittest.main(verbosity=2)
    finally:
        B.close()
