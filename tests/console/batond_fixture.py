"""A real batond for the console and HTTP API tests: a fresh data dir (init, the example schema,
sample data, users alice=admin, mona=manager, victor=viewer), batond with --http on a free
loopback port (HTTPS with `tls=(cert, key)`), config members merged in with `config`, and small
HTTP helpers (urllib, no client library)."""
import json
import os
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Batond:
    def __init__(self, build, profiles=400, config=None, tls=None):
        self.bin = os.path.join(build, "tools")
        self.tls = tls
        self.context = None
        if tls:  # the certificate is its own CA (self-signed, made by the test)
            self.context = ssl.create_default_context(cafile=tls[0])
        self.work = tempfile.mkdtemp(prefix="baton-console-")
        self.data = os.path.join(self.work, "data")
        self.ctl("init")
        if config:
            path = os.path.join(self.data, "config.json")
            with open(path) as f:
                doc = json.load(f)
            doc.update(config)
            with open(path, "w") as f:
                json.dump(doc, f, indent=2)
        self.ctl("schema", "apply", os.path.join(SRC, "config/schema.json"))
        sample = os.path.join(self.work, "sample")
        subprocess.run([os.path.join(self.bin, "baton-sample-data"), "--seed", "3", "--profiles",
                        str(profiles), "--out", sample], check=True, stdout=subprocess.DEVNULL)
        for e in ("households", "profiles", "purchases"):
            self.ctl("data", "load", e, os.path.join(sample, e + ".csv"))
        self.tokens = {}
        for name, role in (("alice", "admin"), ("mona", "manager"), ("victor", "viewer")):
            self.tokens[name] = self.ctl("user", "add", name, "--role", role).strip()
        self.proc = None
        self.start()

    def ctl(self, *args):
        r = subprocess.run([os.path.join(self.bin, "batonctl"), "--data-dir", self.data, *args],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"batonctl {' '.join(args)}: {r.returncode} {r.stderr}")
        return r.stdout

    def remote(self, token, *args):
        """batonctl --connect to this batond as the token's user."""
        env = dict(os.environ, BATON_TOKEN=token)
        r = subprocess.run([os.path.join(self.bin, "batonctl"), "--data-dir", self.data,
                            "--connect", self.listen, *args], capture_output=True, text=True,
                           env=env)
        if r.returncode != 0:
            raise RuntimeError(f"batonctl {' '.join(args)}: {r.returncode} {r.stderr}")
        return r.stdout

    def start(self):
        self.log = open(os.path.join(self.work, "batond.log"), "a")
        tls = ["--http-tls-cert", self.tls[0], "--http-tls-key", self.tls[1]] if self.tls else []
        self.proc = subprocess.Popen(
            [os.path.join(self.bin, "batond"), "--data-dir", self.data, "--listen", "127.0.0.1:0",
             "--http", "127.0.0.1:0", *tls], stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.time() + 60
        self.url = None
        while time.time() < deadline and self.url is None:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("batond ended: " + open(self.log.name).read()[-2000:])
            if line.startswith("listening "):
                self.listen = line.split()[1]
            if line.startswith("http "):
                self.url = ("https://" if self.tls else "http://") + line.split()[1]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)

    def close(self):
        self.stop()
        if os.environ.get("BATON_KEEP_WORK") is None:
            shutil.rmtree(self.work, ignore_errors=True)

    def request(self, method, path, token=None, body=None, headers=None):
        """(status, headers, parsed JSON or text) of one request; never raises on HTTP errors."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.url + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60, context=self.context) as r:
                status, hdrs, text = r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            status, hdrs, text = e.code, e.headers, e.read().decode()
        try:
            return status, hdrs, json.loads(text)
        except ValueError:
            return status, hdrs, text

    def events(self, token, query):
        status, _, text = self.request("GET", "/api/v1/events?" + query, token)
        assert status == 200, (status, text)
        if isinstance(text, (dict, list)):
            return [text] if isinstance(text, dict) else text
        return [json.loads(l) for l in text.splitlines() if l]

    def wait_status(self, token, cid, wanted, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            _, _, c = self.request("GET", "/api/v1/campaigns/" + cid, token)
            if c.get("lastRun") and c["lastRun"]["status"] in wanted:
                return c
            time.sleep(0.1)
        raise AssertionError(f"{cid} did not reach {wanted}: {c}")
