"""The HTTP API of batond --http (INTERFACES.md §11) against a real batond child process:
authentication (401, auth_failed), roles (403 + permission_refused), the error kinds, the
campaign paths, the paths mirroring the rest of batonctl (templates, versions, diff, edit, proof,
users, feedback, backup, and the data plane's audiences, suppressions, schema and counts), time
travel, events as JSON lines and as Server-Sent Events (heartbeats at config
http.heartbeatSeconds, Last-Event-ID), console sessions with their CSRF check, the tracking paths
left as they were, and HTTPS (--http-tls-cert/--http-tls-key; a network --http without TLS is
refused).
Usage: api_test.py BUILD_DIR"""
import http.client
import json
import os
import ssl
import subprocess
import sys
import tempfile
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

    def __init__(self, path, token, last_event_id=None, server=None):
        server = server or B
        u = urllib.parse.urlparse(server.url)
        if server.context:
            self.conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=30,
                                                    context=server.context)
        else:
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

    def test_templates_and_campaign_from_a_template(self):
        cid = self.create()
        mona, victor = B.tokens["mona"], B.tokens["victor"]
        s, _, r = B.request("POST", "/api/v1/templates", mona, {"campaign": cid, "name": "tpl-a"})
        self.assertEqual(s, 201, r)
        s, _, r = B.request("POST", "/api/v1/templates", victor, {"campaign": cid, "name": "tpl-b"})
        self.assertEqual((s, r["error"]["what"]), (403, "victor (viewer) may not template save"))
        s, _, r = B.request("POST", "/api/v1/templates", mona, {"name": "tpl-c"})
        self.assertEqual((s, r["error"]["where"]), (400, "/campaign"))
        s, _, r = B.request("POST", "/api/v1/templates", mona, "[1, 2]")
        self.assertEqual(s, 400, r)
        s, _, lst = B.request("GET", "/api/v1/templates", victor)
        self.assertEqual(s, 200)
        self.assertEqual(lst, json.loads(B.remote(self.admin(), "template", "list", "--json")))
        self.assertIn("tpl-a", [t["name"] for t in lst])
        s, _, t = B.request("GET", "/api/v1/templates/tpl-a", victor)
        self.assertEqual((s, t["name"], t["version"]), (200, "tpl-a", 1))
        self.assertEqual(t, json.loads(B.remote(self.admin(), "template", "show", "tpl-a",
                                                "--json")))
        s, _, r = B.request("GET", "/api/v1/templates/no-such", victor)
        self.assertEqual(s, 404, r)
        s, _, r = B.request("GET", "/api/v1/templates/tpl-a?version=9", victor)
        self.assertEqual(s, 404, r)
        s, _, made = B.request("POST", "/api/v1/campaigns?template=tpl-a&name=From%20tpl", mona)
        self.assertEqual(s, 201, made)
        shown = B.request("GET", "/api/v1/campaigns/" + made["id"], victor)[2]
        self.assertEqual((shown["name"], shown["status"]), ("From tpl", "draft"))
        s, _, r = B.request("POST", "/api/v1/campaigns?template=no-such", mona)
        self.assertEqual(s, 404, r)
        s, _, r = B.request("POST", "/api/v1/campaigns?template=tpl-a", victor)
        self.assertEqual(s, 403, r)

    def test_edit_versions_diff(self):
        cid = self.create()
        mona, victor = B.tokens["mona"], B.tokens["victor"]
        doc = json.loads(campaign_json())
        doc["name"] = "Winter sale, edited"
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/edit", victor, doc)
        self.assertEqual((s, r["error"]["where"]), (403, "permission"))
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/edit", mona, doc)
        self.assertEqual(s, 200, r)
        self.assertEqual(B.request("GET", "/api/v1/campaigns/" + cid, victor)[2]["name"],
                         "Winter sale, edited")
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/edit", mona, "{not json")
        self.assertEqual(s, 400, r)
        s, _, r = B.request("POST", "/api/v1/campaigns/c-00000000/edit", mona, doc)
        self.assertEqual(s, 404, r)
        s, _, v = B.request("GET", f"/api/v1/campaigns/{cid}/versions", victor)
        self.assertEqual(s, 200, v)
        self.assertEqual(v, json.loads(B.remote(self.admin(), "campaign", "versions", cid,
                                                "--json")))
        s, _, d = B.request("GET", f"/api/v1/campaigns/{cid}/diff?from=1&to=1", victor)
        self.assertEqual((s, d), (200, []))
        s, _, r = B.request("GET", f"/api/v1/campaigns/{cid}/diff?from=1&to=9", victor)
        self.assertEqual(s, 404, r)
        s, _, r = B.request("GET", f"/api/v1/campaigns/{cid}/diff?from=1", victor)
        self.assertEqual((s, r["error"]["where"]), (400, "to"))
        s, _, r = B.request("GET", "/api/v1/campaigns/c-00000000/versions", victor)
        self.assertEqual(s, 404, r)

    def test_proof_of_a_draft(self):
        cid = self.create()
        body = {"activity": "mail_vip", "to": "proof@example.com"}
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/proof", B.tokens["victor"], body)
        self.assertEqual((s, r["error"]["what"]), (403, "victor (viewer) may not campaign proof"))
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/proof", B.tokens["mona"], body)
        self.assertEqual((s, r["error"]["where"]), (409, "mail_vip"))  # no population yet
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/test", B.tokens["mona"])
        self.assertEqual(s, 200, r)
        B.wait_status(self.admin(), cid, ("completed", "failed"))
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/proof", B.tokens["mona"], body)
        self.assertEqual(s, 200, r)
        s, _, r = B.request("POST", f"/api/v1/campaigns/{cid}/proof", B.tokens["mona"],
                            {"activity": "mail_vip", "to": {"nested": 1}})
        self.assertEqual((s, r["error"]["where"]), (400, "/to"))

    def test_users_feedback_backup(self):
        # The admin's writes first, the viewer's refusals after: a refusal is appended to the
        # security stream too, and an admin write racing it can meet a version conflict (409).
        alice, victor = self.admin(), B.tokens["victor"]
        s, _, r = B.request("POST", "/api/v1/users", alice, {"name": "wanda", "role": "viewer"})
        self.assertEqual(s, 201, r)
        token = r["token"]
        s, _, me = B.request("GET", "/api/v1/me", token)
        self.assertEqual(me, {"user": "wanda", "role": "viewer"})
        s, _, r = B.request("POST", "/api/v1/users", alice, {"name": "wanda", "role": "viewer"})
        self.assertEqual(s, 409, r)
        s, _, r = B.request("POST", "/api/v1/users", alice, {"name": "x", "role": "king"})
        self.assertEqual(s, 400, r)
        s, _, users = B.request("GET", "/api/v1/users", alice)
        self.assertIn("wanda", [u["name"] for u in users])
        s, _, r = B.request("POST", "/api/v1/users/wanda/tokens", alice)
        self.assertEqual(s, 201, r)
        s, _, r = B.request("POST", "/api/v1/users/nobody/tokens", alice)
        self.assertEqual(s, 404, r)
        s, _, r = B.request("DELETE", "/api/v1/users/wanda", alice)
        self.assertEqual(s, 200, r)
        self.assertNotIn("wanda", [u["name"] for u in B.request("GET", "/api/v1/users", alice)[2]])
        target = os.path.join(tempfile.mkdtemp(prefix="baton-api-backup-"), "copy")
        s, _, r = B.request("POST", "/api/v1/backup", alice, {"dir": target})
        self.assertEqual(s, 200, r)
        self.assertTrue(os.path.isdir(target))
        s, _, r = B.request("POST", "/api/v1/backup", alice, {"dir": ""})
        self.assertEqual(s, 400, r)
        for method, path, body in (("POST", "/api/v1/users", {"name": "w2", "role": "viewer"}),
                                   ("DELETE", "/api/v1/users/mona", None),
                                   ("POST", "/api/v1/feedback", "message_id,event,time\n"),
                                   ("POST", "/api/v1/backup", {"dir": "/tmp/nowhere"})):
            s, _, r = B.request(method, path, victor, body)
            self.assertEqual((s, r["error"]["where"]), (403, "permission"), path)

    def test_data_plane_reads_as_batonctl(self):
        victor = B.tokens["victor"]
        cid = self.create()
        B.request("POST", f"/api/v1/campaigns/{cid}/publish", self.admin())
        B.wait_status(self.admin(), cid, ("completed", "failed"))
        s, _, auds = B.request("GET", "/api/v1/audiences", victor)
        self.assertEqual(s, 200, auds)
        self.assertEqual(auds, json.loads(B.ctl("audiences", "list", "--json")))
        self.assertTrue(auds)
        name = auds[0]["name"]
        s, _, one = B.request("GET", f"/api/v1/audiences/{name}?limit=3", victor)
        self.assertEqual(s, 200, one)
        self.assertEqual(one, json.loads(B.ctl("audiences", "show", name, "--limit", "3",
                                               "--json")))
        self.assertEqual(B.request("GET", "/api/v1/audiences/no-such", victor)[0], 404)
        self.assertEqual(B.request("GET", f"/api/v1/audiences/{name}?limit=x", victor)[0], 400)
        s, _, sup = B.request("GET", "/api/v1/suppressions?channel=email", victor)
        self.assertEqual((s, sup), (200, json.loads(B.ctl("suppression", "list", "--channel",
                                                          "email", "--json"))))
        self.assertEqual(B.request("GET", "/api/v1/suppressions?channel=fax", victor)[0], 400)
        s, _, n = B.request("GET", "/api/v1/data/profiles/count", victor)
        self.assertEqual((s, n), (200, json.loads(B.ctl("data", "count", "profiles", "--json"))))
        self.assertGreater(n["count"], 0)
        self.assertEqual(B.request("GET", "/api/v1/data/nothing/count", victor)[0], 404)
        s, _, schema = B.request("GET", "/api/v1/schema", victor)
        with open(os.path.join(B.data, "schema.json")) as f:
            self.assertEqual((s, schema), (200, json.load(f)))
        # (No 401 checks here: they go through the same identify() as every path, which the 401
        # test proves, and each failure counts toward the per-address rate limit of the suite.)

    def test_sse_heartbeat_at_the_configured_interval(self):
        sse = Sse("/api/v1/events?campaign=c-00000000", B.tokens["victor"])
        try:  # config http.heartbeatSeconds is 1 here (15 by default)
            deadline = time.time() + 10
            while time.time() < deadline and len(sse.comments) < 2:
                time.sleep(0.1)
            self.assertGreaterEqual(len(sse.comments), 2, sse.comments)
            self.assertEqual(sse.comments[0], ": heartbeat")
            self.assertEqual(sse.events, [])
        finally:
            sse.close()

    def test_sse_last_event_id_replays_exactly_the_events_after_it(self):
        cid = self.create()
        B.request("POST", f"/api/v1/campaigns/{cid}/publish", self.admin())
        B.wait_status(self.admin(), cid, ("completed", "failed"))
        logged = B.events(self.admin(), f"campaign={cid}")
        self.assertGreater(len(logged), 6)
        middle = logged[len(logged) // 2]["seq"]
        after = [e for e in logged if e["seq"] > middle]
        sse = Sse(f"/api/v1/events?campaign={cid}", B.tokens["victor"], last_event_id=middle)
        try:
            deadline = time.time() + 20
            while time.time() < deadline and len(sse.events) < len(after):
                time.sleep(0.05)
            time.sleep(0.3)
            with sse.lock:
                got = list(sse.events)
            self.assertEqual([i for i, _ in got], [e["seq"] for e in after])
            self.assertEqual([e for _, e in got], after)
        finally:
            sse.close()
        s, _, r = B.request("GET", "/api/v1/events", B.tokens["victor"],
                            headers={"Accept": "text/event-stream", "Last-Event-ID": "x"})
        self.assertEqual(s, 400, r)

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


class HttpsTest(unittest.TestCase):
    """batond --http over TLS with an openssl-made certificate; a network --http without it is
    refused before anything starts."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="baton-https-")
        cls.cert, cls.key = os.path.join(cls.dir, "cert.pem"), os.path.join(cls.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        cls.key, "-out", cls.cert, "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)
        cls.S = Batond(BUILD, profiles=50, tls=(cls.cert, cls.key))

    @classmethod
    def tearDownClass(cls):
        cls.S.close()

    def test_https_api_console_and_secure_cookie(self):
        S = self.S
        self.assertTrue(S.url.startswith("https://127.0.0.1:"))
        s, _, me = S.request("GET", "/api/v1/me", S.tokens["victor"])
        self.assertEqual((s, me), (200, {"user": "victor", "role": "viewer"}))
        u = urllib.parse.urlparse(S.url)
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=30, context=S.context)
        conn.request("POST", "/signin", body="token=" + S.tokens["mona"],
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        r.read()
        self.assertEqual(r.status, 303)
        for attr in ("HttpOnly", "SameSite=Strict", "Secure"):
            self.assertIn(attr, r.getheader("Set-Cookie"))
        conn.close()
        sse = Sse("/api/v1/events", S.tokens["victor"], server=S)
        try:
            self.assertEqual(sse.resp.status, 200)
        finally:
            sse.close()
        # Plain HTTP to the HTTPS port gets no answer; an unknown CA is refused by the client.
        plain = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        with self.assertRaises((http.client.HTTPException, ConnectionError, OSError)):
            plain.request("GET", "/api/v1/me")
            plain.getresponse().read()
        strict = http.client.HTTPSConnection(u.hostname, u.port, timeout=10,
                                             context=ssl.create_default_context())
        with self.assertRaises(ssl.SSLError):
            strict.request("GET", "/api/v1/me")

    def batond(self, *args):
        return subprocess.run([os.path.join(self.S.bin, "batond"), "--data-dir", self.S.data,
                               "--listen", "127.0.0.1:0", *args], capture_output=True, text=True,
                              timeout=60)

    def test_network_http_without_tls_and_bad_certificates_exit_2(self):
        r = self.batond("--http", "0.0.0.0:0")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--http", r.stderr)
        self.assertIn("not a loopback address, only with TLS", r.stderr)
        self.assertEqual(r.stdout, "")
        r = self.batond("--http", "0.0.0.0:0", "--http-tls-cert", self.cert)
        self.assertEqual(r.returncode, 2, r.stderr)  # a certificate without its key
        # Another process holds the data dir, so a usable certificate would exit 5 (the lock):
        # a bad one must be refused before that, exit 2 naming it.
        r = self.batond("--http", "127.0.0.1:0", "--http-tls-cert", self.key, "--http-tls-key",
                        self.key)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--http-tls-cert", r.stderr)
        r = self.batond("--http", "127.0.0.1:0", "--http-tls-cert", self.cert, "--http-tls-key",
                        os.path.join(self.dir, "missing.pem"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--http-tls-key", r.stderr)


if __name__ == "__main__":
    BUILD = sys.argv.pop(1)
    B = Batond(BUILD, config={"http": {"heartbeatSeconds": 1}})
    try:
        unittest.main(verbosity=2)
    finally:
        B.close()
