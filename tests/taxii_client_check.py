#!/usr/bin/python3
"""An independent TAXII 2.1 client (python3-requests) that checks a node's TAXII endpoint.

usage: taxii_client_check.py URL PKI_DIR SCHEMA_DIR STATE.json

URL is https://HOST:PORT; PKI_DIR the test PKI (certs/make-dev-pki.sh); SCHEMA_DIR the OASIS
STIX 2.1 schemas; STATE.json what the test published over gRPC before (written by
tests/taxii_integration_test.cc): the collection ids and which records each agency may see.
Shares no code with the server. Prints one line per check; exit 0 when every check passes,
1 otherwise.
"""
import json
import os
import subprocess
import sys
import tempfile
import uuid

import requests

TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
FAILURES = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        FAILURES.append(what)
    return condition


class Client:
    def __init__(self, url, pki, agency, role="analyst", cert=None):
        self.url = url
        self.session = requests.Session()
        # Only the federation CA: REQUESTS_CA_BUNDLE and proxies from the environment would
        # otherwise take precedence over `verify`.
        self.session.trust_env = False
        self.session.verify = os.path.join(pki, "ca.crt")
        self.session.cert = cert or (os.path.join(pki, agency, role + ".crt"),
                                     os.path.join(pki, agency, role + ".key"))

    def get(self, path, params=None, accept=TAXII):
        return self.session.get(self.url + path, params=params, headers={"Accept": accept},
                                timeout=30)

    def post(self, path, body, content_type=TAXII):
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.session.post(self.url + path, data=data, timeout=60,
                                 headers={"Accept": TAXII, "Content-Type": content_type})


def indicator(value, modified="2026-01-02T03:04:05.000Z", marking=GREEN, object_id=None):
    obj = {"type": "indicator", "spec_version": "2.1",
           "id": object_id or "indicator--" + str(uuid.uuid4()),
           "created": "2026-01-01T00:00:00.000Z", "modified": modified,
           "valid_from": "2026-01-01T00:00:00.000Z", "pattern_type": "stix",
           "pattern": "[ipv4-addr:value = '%s']" % value}
    if marking:
        obj["object_marking_refs"] = [marking]
    return obj


def page_all(client, collection, params=None):
    """Every object of a collection, page by page with `next`; returns (objects, pages)."""
    objects, pages, params = [], 0, dict(params or {})
    while True:
        r = client.get("/nexus/collections/%s/objects/" % collection, params)
        if r.status_code != 200:
            check(False, "page %d answered %d: %s" % (pages, r.status_code, r.text[:200]))
            return objects, pages
        pages += 1
        body = r.json()
        objects += body.get("objects", [])
        if not body.get("more"):
            return objects, pages
        params["next"] = body["next"]


def schema_valid(objects, schema_dir, tool):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"type": "bundle", "id": "bundle--" + str(uuid.uuid4()), "objects": objects}, f)
    result = subprocess.run([sys.executable, tool, schema_dir, f.name], capture_output=True,
                            text=True)
    os.unlink(f.name)
    if result.returncode != 0:
        print(result.stdout[:2000] + result.stderr[:2000])
    return result.returncode == 0


def error_resource(r, status):
    try:
        body = r.json()
    except ValueError:
        return False
    return (r.status_code == status and r.headers.get("Content-Type", "").startswith(
        "application/taxii+json") and "title" in body and body.get("http_status") == str(status))


def uncertified_identity_cert(pki, workdir):
    """A certificate from the federation CA that names no agency or role."""
    key, csr, crt = (os.path.join(workdir, n) for n in ("anon.key", "anon.csr", "anon.crt"))
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr, "-subj",
                    "/CN=nobody"], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(pki, "ca.crt"),
                    "-CAkey", os.path.join(pki, "ca.key"), "-CAcreateserial", "-out", crt,
                    "-days", "2"], check=True, capture_output=True)
    return crt, key


def main():
    url, pki, schema_dir, state_path = sys.argv[1:5]
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stix_schema_check.py")
    with open(state_path, encoding="utf-8") as f:
        state = json.load(f)
    everything, writable = state["collection_all"], state["collection_writable"]
    a = Client(url, pki, "agency-a")
    b = Client(url, pki, "agency-b")
    c = Client(url, pki, "agency-c")

    # Discovery, API root, collections.
    r = a.get("/taxii2/")
    check(r.status_code == 200 and r.headers["Content-Type"].startswith("application/taxii+json")
          and r.json()["default"].endswith("/nexus/"), "discovery names the API root")
    r = a.get("/nexus/")
    check(r.status_code == 200 and TAXII in r.json()["versions"]
          and r.json()["max_content_length"] == state["max_content_bytes"], "API root")
    listed = {x["id"]: x for x in a.get("/nexus/collections/").json()["collections"]}
    check(set(listed) == {everything, writable} and listed[writable]["can_write"]
          and not listed[everything]["can_write"], "collections as configured")
    listed_b = {x["id"]: x for x in b.get("/nexus/collections/").json()["collections"]}
    check(not listed_b[writable]["can_write"], "another agency may not write")
    check(a.get("/nexus/collections/%s/" % writable).json()["id"] == writable, "one collection")

    # The own agency sees every record; another agency exactly its policy's view.
    own, _ = page_all(a, everything)
    own_ids = {o["x_nexus_record_id"] for o in own if o["type"] == "indicator"}
    check(own_ids == set(state["visible_to_a"]), "agency-a sees its records: %d" % len(own_ids))
    check(schema_valid(own, schema_dir, tool), "every object served validates (OASIS schemas)")
    seen_b, _ = page_all(b, everything)
    b_ids = {o["x_nexus_record_id"] for o in seen_b if o["type"] == "indicator"}
    check(b_ids == set(state["visible_to_b"]),
          "agency-b sees exactly its policy's view: %s" % sorted(b_ids))
    seen_c, _ = page_all(c, everything)
    check(seen_c == [], "agency-c, to whom the policy gives nothing, sees nothing")

    hidden = sorted(set(state["visible_to_a"]) - set(state["visible_to_b"]))[0]
    shown = state["visible_to_b"][0]
    r_hidden = b.get("/nexus/collections/%s/objects/indicator--%s/" % (everything, hidden))
    r_absent = b.get("/nexus/collections/%s/objects/indicator--%s/" % (everything, uuid.uuid4()))
    check(error_resource(r_hidden, 404) and r_hidden.json()["title"] == r_absent.json()["title"],
          "objects/{id} of a record withheld from agency-b: 404, as for one that does not exist")
    r = b.get("/nexus/collections/%s/objects/indicator--%s/" % (everything, shown))
    check(r.status_code == 200 and r.json()["objects"][0]["x_nexus_record_id"] == shown,
          "objects/{id} of a record agency-b may see")

    # Paging with limit and next, while records are published between pages.
    r = a.get("/nexus/collections/%s/objects/" % everything, {"limit": "2"})
    body = r.json()
    check(r.status_code == 200 and len(body["objects"]) == 2 and body["more"]
          and "X-TAXII-Date-Added-First" in r.headers and "X-TAXII-Date-Added-Last" in r.headers,
          "limit=2 gives two objects, more, and the date-added headers")
    got, params, posted_ids = list(body["objects"]), {"limit": "2", "next": body["next"]}, []
    while True:
        # A write between pages: it must appear once, later in the paging.
        new = indicator("198.51.100.%d" % (len(posted_ids) + 1))
        r = a.post("/nexus/collections/%s/objects/" % writable, {"objects": [new]})
        check(r.status_code == 202 and r.json()["success_count"] == 1,
              "POST between pages stored (%s)" % r.text[:300])
        posted_ids.append(new["id"])
        r = a.get("/nexus/collections/%s/objects/" % everything, params)
        page = r.json()
        got += page.get("objects", [])
        if not page.get("more") or len(posted_ids) > 20:
            break
        params["next"] = page["next"]
    ids = [o["id"] for o in got]
    check(len(ids) == len(set(ids)), "paging gave every version once (%d objects)" % len(ids))
    added = [a.get("/nexus/collections/%s/manifest/" % everything,
                   {"match[id]": i}).json()["objects"][0]["date_added"] for i in ids[:3]]
    check(added == sorted(added), "in the order they were added")
    imported = {o["name"] if "name" in o else o["pattern"] for o in got}
    check(sum(1 for p in imported if "198.51.100." in p) >= len(posted_ids) - 1,
          "records published during paging arrive in it")

    # added_after resumes after a date.
    first = a.get("/nexus/collections/%s/objects/" % everything, {"limit": "1"})
    last_added = first.headers["X-TAXII-Date-Added-Last"]
    rest, _ = page_all(a, everything, {"added_after": last_added})
    check(first.json()["objects"][0]["id"] not in {o["id"] for o in rest} and len(rest) > 0,
          "added_after leaves out what was added by then")

    # Filters.
    one = own[0]["id"]
    r = a.get("/nexus/collections/%s/objects/" % everything, {"match[id]": one})
    check([o["id"] for o in r.json().get("objects", [])] == [one], "match[id]")
    r = a.get("/nexus/collections/%s/objects/" % everything, {"match[type]": "relationship"})
    check(all(o["type"] == "relationship" for o in r.json().get("objects", [])), "match[type]")
    r = a.get("/nexus/collections/%s/objects/" % everything, {"match[spec_version]": "2.0"})
    check(r.status_code == 200 and "objects" not in r.json(), "match[spec_version]=2.0: none")

    # Versions: a second version of a posted object (a later modified time).
    base = indicator("192.0.2.77", modified="2026-01-02T03:04:05.000Z")
    newer = dict(base, modified="2026-02-02T03:04:05.000Z", pattern="[ipv4-addr:value = '192.0.2.78']")
    r1 = a.post("/nexus/collections/%s/objects/" % writable, {"objects": [base]})
    r2 = a.post("/nexus/collections/%s/objects/" % writable, {"objects": [newer]})
    check(r1.status_code == 202 and r2.status_code == 202 and r2.json()["success_count"] == 1,
          "a newer version posted: %s" % r2.text[:300])
    stored_id = r2.json()["successes"][0]["message"].split()[2]
    stix_id = "indicator--" + stored_id
    r = a.get("/nexus/collections/%s/objects/%s/" % (everything, stix_id))
    objs = r.json().get("objects", [])
    check(r.status_code == 200 and len(objs) == 1 and "192.0.2.78" in objs[0]["pattern"],
          "objects/{id} gives the last version")
    r = a.get("/nexus/collections/%s/objects/%s/" % (everything, stix_id),
              {"match[version]": "all"})
    check(len(r.json().get("objects", [])) == 2, "match[version]=all gives both")
    r = a.get("/nexus/collections/%s/objects/%s/" % (everything, stix_id),
              {"match[version]": "first"})
    check("192.0.2.77" in r.json()["objects"][0]["pattern"], "match[version]=first")
    r = a.get("/nexus/collections/%s/objects/%s/versions/" % (everything, stix_id))
    check(r.status_code == 200 and r.json()["versions"] == ["2026-01-02T03:04:05.000Z",
                                                           "2026-02-02T03:04:05.000Z"],
          "versions lists both: %s" % r.text[:200])
    r = a.get("/nexus/collections/%s/manifest/" % everything, {"match[id]": stix_id})
    m = r.json().get("objects", [])
    check(len(m) == 1 and m[0]["version"] == "2026-02-02T03:04:05.000Z"
          and m[0]["media_type"] == "application/stix+json;version=2.1", "manifest entry")

    # Writes: status, idempotence, an object that cannot be imported.
    fresh = indicator("203.0.113.9")
    no_tlp = indicator("203.0.113.10", marking=None)
    r = a.post("/nexus/collections/%s/objects/" % writable, {"objects": [fresh, no_tlp]})
    status = r.json()
    check(r.status_code == 202 and status["status"] == "complete" and status["total_count"] == 2
          and status["success_count"] == 1 and status["failure_count"] == 1
          and status["failures"][0]["id"] == no_tlp["id"] and "TLP" in json.dumps(status),
          "POST: one stored, one refused with its reason")
    r = a.get("/nexus/status/%s/" % status["id"])
    check(r.status_code == 200 and r.json()["id"] == status["id"], "status resource")
    r = b.get("/nexus/status/%s/" % status["id"])
    check(r.status_code == 403, "another agency cannot read the status")
    r = a.post("/nexus/collections/%s/objects/" % writable, {"objects": [fresh]})
    check(r.status_code == 202 and "unchanged" in r.json()["successes"][0]["message"],
          "re-post is idempotent")
    seen_fresh = [o for o in page_all(a, everything)[0] if "203.0.113.9" in o.get("pattern", "")]
    check(len(seen_fresh) == 1, "the re-posted object is stored once")

    # Errors, each the spec's error resource.
    col = "/nexus/collections/%s/objects/" % everything
    check(error_resource(a.get(col, accept="application/json"), 406), "406 for Accept json")
    check(error_resource(a.post("/nexus/collections/%s/objects/" % writable,
                                {"objects": [fresh]}, content_type="application/json"), 415),
          "415 for a JSON Content-Type")
    big = {"objects": [indicator("192.0.2.1")], "pad": "x" * (state["max_content_bytes"] + 10)}
    check(error_resource(a.post("/nexus/collections/%s/objects/" % writable, big), 413),
          "413 over max_content_length")
    r = a.get(col, {"limit": "abc"})
    check(error_resource(r, 400), "400 for limit=abc (%d %s)" % (r.status_code, r.text[:200]))
    check(error_resource(a.get(col, {"added_after": "yesterday"}), 400), "400 for added_after")
    check(error_resource(a.get(col, {"next": "zz"}), 400), "400 for a forged next")
    check(error_resource(a.get("/nexus/collections/%s/objects/" % uuid.uuid4()), 404),
          "404 for an unknown collection")
    check(error_resource(a.get("/nexus/collections/%s/objects/indicator--%s/" %
                               (everything, uuid.uuid4())), 404), "404 for an unknown object")
    check(error_resource(b.post("/nexus/collections/%s/objects/" % writable,
                                {"objects": [fresh]}), 403), "403 for another agency's POST")
    check(error_resource(a.post(col, {"objects": [fresh]}), 403),
          "403 for a POST to a read-only collection")
    check(error_resource(a.post("/nexus/collections/%s/objects/" % writable, "{\"objects\": ["),
                         400), "400 for a body that is not JSON")
    check(error_resource(a.post("/nexus/collections/%s/objects/" % writable,
                                {"objects": "not a list"}), 422),
          "422 for an envelope that cannot be processed")
    deep = '{"objects": [' + "[" * 5000 + "]" * 5000 + "]}"
    check(error_resource(a.post("/nexus/collections/%s/objects/" % writable, deep), 422),
          "422 for JSON nested 5,000 deep, and the node still answers")
    r = a.get(col, {"match[id]": "x" * 20000})
    check(r.status_code in (400, 414) and error_resource(r, r.status_code),
          "a 20,000-byte query is refused with an error resource (%d)" % r.status_code)
    check(a.get("/nexus/").status_code == 200, "the endpoint serves on after hostile requests")
    def chunks():
        yield b'{"objects": ['
        yield json.dumps(indicator("192.0.2.200")).encode()
        yield b"]}"
    # The node answers 411 as soon as it has the headers and closes the connection without
    # reading the body; a client still sending its chunks may then see the connection end before
    # it reads the answer (a race of the client's, under load). Either way nothing was read.
    try:
        r = a.session.post(url + "/nexus/collections/%s/objects/" % writable, data=chunks(),
                           headers={"Accept": TAXII, "Content-Type": TAXII}, timeout=30)
        check(error_resource(r, 411),
              "411 for a chunked body (its size is not known before it is read)")
    except requests.exceptions.ConnectionError as e:
        check("EOF" in str(e) or "reset" in str(e).lower() or "Broken pipe" in str(e),
              "a chunked body is refused: the node closed the connection while the client sent "
              "it (%s)" % type(e).__name__)
    whole = a.get(col)
    r = a.session.get(url + col, headers={"Accept": TAXII, "Range": "bytes=0-,0-,0-"}, timeout=30)
    check(r.status_code == 200 and r.json()["objects"] == whole.json()["objects"],
          "a Range is ignored: the answer comes whole, once (%d, %d bytes)"
          % (r.status_code, len(r.content)))
    counts = [status["success_count"], status["failure_count"], status["pending_count"]]
    check(sum(counts) == status["total_count"], "status counts add up: %s" % counts)
    check(all(d.get("version") for d in status.get("successes", [])), "successes name a version")
    bundle = {"type": "bundle", "id": "bundle--" + str(uuid.uuid4()), "objects": [fresh]}
    r = a.post("/nexus/collections/%s/objects/" % writable, bundle)
    check(error_resource(r, 422) and "envelope" in r.json()["description"],
          "a bundle posted instead of an envelope is named as such")
    # curl resumes TLS sessions across connections (as libcurl-based MISP and Node.js OpenCTI do).
    target = url + "/nexus/"
    result = subprocess.run(
        ["curl", "-sS", "--fail", "--cacert", os.path.join(pki, "ca.crt"), "--cert",
         os.path.join(pki, "agency-a", "analyst.crt"), "--key",
         os.path.join(pki, "agency-a", "analyst.key"), "-H", "Connection: close", "-H",
         "Accept: " + TAXII, "-o", "/dev/null", "-o", "/dev/null", target, target],
        capture_output=True, text=True)
    check(result.returncode == 0, "a second connection resuming the TLS session is served (%s)"
          % result.stderr.strip()[:200])
    auditor = Client(url, pki, "agency-a", role="auditor")
    check(error_resource(auditor.get(col), 403), "403 for an auditor")
    outsider = Client(url, pki, "agency-coord")
    check(error_resource(outsider.get("/taxii2/"), 403), "403 for a non-member agency")
    with tempfile.TemporaryDirectory() as work:
        anon = Client(url, pki, None, cert=uncertified_identity_cert(pki, work))
        check(error_resource(anon.get("/taxii2/"), 401), "401 for a certificate naming no one")
    try:
        bare = requests.Session()
        bare.trust_env = False
        bare.get(url + "/taxii2/", verify=os.path.join(pki, "ca.crt"), timeout=10)
        check(False, "a client without a certificate was answered")
    except requests.exceptions.SSLError:
        check(True, "a client without a certificate ends in the handshake")
    try:
        bare.get(url.replace("https://", "http://") + "/taxii2/", timeout=10)
        check(False, "plain HTTP was answered")
    except requests.exceptions.ConnectionError:
        check(True, "nothing in plain HTTP")

    print("%d checks failed" % len(FAILURES) if FAILURES else "all checks passed")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
