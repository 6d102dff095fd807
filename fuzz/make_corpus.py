#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz/corpus/<target>/ (the hostile inputs of issue 18 and the
sample files of config/): run from the repository root, `python3 fuzz/make_corpus.py`. The event
seeds (corpus/events/envelope-*.bin) are real envelopes copied from a store and kept as they are.
"""
import copy
import glob
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fuzz", "corpus")


def put(target, name, text):
    os.makedirs(os.path.join(OUT, target), exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    with open(os.path.join(OUT, target, name), "wb") as f:
        f.write(data)


def nested_nots(n):
    return '{"not":' * n + '{"field":"email","op":"eq","value":"x"}' + "}" * n


def deep_arrays(n):
    return "[" * n + "]" * n


COMMON = {  # hostile for any JSON reader
    "empty": "",
    "not-json": "campaign",
    "truncated": '{"name": "x", "activities": [',
    "number-1e400": "1e400",
    "negative-1e400": "-1e400",
    "deep-65-arrays": deep_arrays(65),
    "deep-100000-arrays": deep_arrays(100000),
    "nul-and-bad-utf8": b'{"name": "\x00\xff\xfe"}',
    "duplicate-members": '{"a": 1, "a": 2}',
}

# --- campaign -------------------------------------------------------------------------------
for path in sorted(glob.glob(os.path.join(ROOT, "config", "campaigns", "*.json"))):
    put("campaign", "sample-" + os.path.basename(path), open(path).read())
for name, text in COMMON.items():
    put("campaign", name, text)
base = json.load(open(os.path.join(ROOT, "config", "campaigns", "build-audience.json")))
aud = {"name": "hostile", "dimension": "profiles", "transitions": [],
       "activities": [{"id": "a", "type": "build_audience", "filter": {"field": "email", "op": "eq",
                                                                         "value": "x"}}]}
put("campaign", "keep-1e400", json.dumps(aud).replace('"activities"', '"keep": 1e400, "activities"'))
put("campaign", "filter-1e400", json.dumps(aud).replace('"value": "x"', '"value": 1e400'))
put("campaign", "perSecond-1e400",
    '{"name":"t","dimension":"profiles","activities":[{"id":"a","type":"build_audience"},'
    '{"id":"m","type":"email","throttle":{"perSecond":1e400},"message":{"subject":"s","body":"b"}}],'
    '"transitions":[{"from":"a","to":"m"}]}')
put("campaign", "filter-100000-nots", json.dumps(aud).replace(
    '{"field": "email", "op": "eq", "value": "x"}', nested_nots(100000)))
put("campaign", "filter-40-nots", json.dumps(aud).replace(
    '{"field": "email", "op": "eq", "value": "x"}', nested_nots(40)))
huge = copy.deepcopy(aud)
huge["name"] = "x" * (1 << 20)
put("campaign", "name-1MiB", json.dumps(huge))
bad = copy.deepcopy(aud)
bad["dimension"] = "sqlite_master"
put("campaign", "dimension-sqlite_master", json.dumps(bad))
path = copy.deepcopy(aud)
path["activities"].append({"id": "f", "type": "load_file", "path": "../../etc/passwd"})
put("campaign", "load_file-outside", json.dumps(path))
put("campaign", "sample-compact", json.dumps(base))

# --- schema ---------------------------------------------------------------------------------
schema = json.load(open(os.path.join(ROOT, "config", "schema.json")))
put("schema", "sample-schema.json", json.dumps(schema, indent=2))
for name, text in COMMON.items():
    put("schema", name, text)
for reserved in ["sqlite_master", "sqlite_sequence", "pg_class", "baton_deliveries", "wt_1"]:
    s = copy.deepcopy(schema)
    s["entities"][0]["name"] = reserved
    put("schema", "entity-" + reserved, json.dumps(s))
wide = {"entities": [{"name": "wide", "key": "id", "columns":
                      [{"name": "id", "type": "integer"}] +
                      [{"name": "c%d" % i, "type": "string"} for i in range(1, 3000)]}]}
put("schema", "columns-3000", json.dumps(wide))
put("schema", "key-1e400", json.dumps(schema).replace('"entities"', '"x": 1e400, "entities"', 1))
s = copy.deepcopy(schema)
s["entities"][0]["name"] = "e" * (1 << 20)
put("schema", "name-1MiB", json.dumps(s))

# --- config ---------------------------------------------------------------------------------
# The config `batonctl init` writes (kept in the corpus; refresh it from a new `init` by hand).
config = json.load(open(os.path.join(OUT, "config", "default.json")))
put("config", "default.json", json.dumps(config, indent=2))
for name, text in COMMON.items():
    put("config", name, text)
c = copy.deepcopy(config)
c["engine"]["listn"] = c["engine"].pop("listen")
put("config", "engine-listn", json.dumps(c))
c = copy.deepcopy(config)
c["channels"]["email"] = {"connector": "smtp", "tls": "bogus"}
c["channels"]["sms"] = {"connector": "webhook", "url": "ftp://x", "timeout": "3"}
c["channels"]["news"] = {"connector": "pigeon"}
put("config", "connectors-bad", json.dumps(c))
c = copy.deepcopy(config)
c["channels"]["email"] = {"connector": "smtp", "url": "smtp://127.0.0.1:2525", "tls": "starttls",
                          "from": "baton@example.com"}
c["channels"]["sms"] = {"connector": "webhook", "url": "http://127.0.0.1:8080/sms"}
put("config", "connectors-good", json.dumps(c))
put("config", "workers-1e400", json.dumps(config).replace('"workers": 2', '"workers": 1e400'))
put("config", "listen-port-huge", json.dumps(config).replace("4242", "99999999999999999999"))

# --- filter ---------------------------------------------------------------------------------
filters = []


def collect(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("filter", "where") and isinstance(v, dict):
                filters.append(v)
            collect(v)
    elif isinstance(node, list):
        for v in node:
            collect(v)


for path in sorted(glob.glob(os.path.join(ROOT, "config", "campaigns", "*.json"))):
    collect(json.load(open(path)))
for i, f in enumerate(filters):
    put("filter", "sample-%02d.json" % i, json.dumps(f))
for name, text in COMMON.items():
    put("filter", name, text)
put("filter", "nots-100000", nested_nots(100000))
put("filter", "nots-33", nested_nots(33))
put("filter", "value-1e400", '{"field":"email","op":"eq","value":1e400}')
put("filter", "value-1MiB", json.dumps({"field": "email", "op": "eq", "value": "v" * (1 << 20)}))
put("filter", "field-sqlite_master", '{"field":"sqlite_master.sql","op":"eq","value":"x"}')
put("filter", "field-quote", '{"field":"email\\" OR 1=1 --","op":"eq","value":"x"}')
put("filter", "in-list", '{"field":"country","op":"in","value":["FR","DE",1,null,true]}')
put("filter", "variable", '{"field":"country","op":"eq","value":{"variable":"country"}}')
put("filter", "days-ago", '{"field":"created_at","op":"gt","value":{"daysAgo":1e300}}')

# --- csv ------------------------------------------------------------------------------------
put("csv", "simple.csv", "id,email,country\n1,a@example.com,FR\n2,b@example.com,DE\n")
put("csv", "quoted.csv", 'id,note\r\n1,"a ""quoted"" word, and a comma"\r\n2,"two\nlines"\r\n')
put("csv", "bom-semicolon.csv", b"\xef\xbb\xbfid;email\n1;a@example.com\n\n\n2;b@example.com\n")
put("csv", "unterminated-quote.csv", 'id,note\n1,"never closed\n2,x\n')
put("csv", "field-1MiB.csv", "id,note\n1," + "z" * (1 << 20) + "\n")
put("csv", "columns-3000.csv", ",".join("c%d" % i for i in range(3000)) + "\n" +
    ",".join(str(i) for i in range(3000)) + "\n")
put("csv", "nul-bytes.csv", b"id,note\n1,\x00\x00\n\x00")
put("csv", "empty.csv", "")

# --- found by fuzzing (docs/fuzzing.md), kept as regressions ------------------------------------
for name, text in {
    "found-exists-string": '{"exists":"emai_null"}',
    "found-aggregate-number": '{"aggregate":3,"op":"gt","value":1}',
    "found-aggregate-fn-number": '{"aggregate":{"link":"purchases","fn":1},"op":"gt","value":1}',
    "found-field-number": '{"field":7,"op":"eq","value":1}',
    "found-op-array": '{"field":"loyalty","op":[],"value":"x"}',
    "found-variable-number": '{"field":"loyalty","op":"eq","value":{"variable":1}}',
    "found-daysAgo-overflow":
        '{"field":"created_at","op":"gt","value":{"daysAgo":9000000000000000000}}',
}.items():
    put("filter", name, text)
