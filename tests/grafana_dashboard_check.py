#!/usr/bin/env python3
"""Checks deploy/prometheus/grafana-dashboard.json against a real node's scrape.

Every panel's PromQL parses (promtool check rules, each expression as a recording rule), and
every metric the dashboard names is one the node exposes (its `# TYPE` lines in SCRAPE_FILE), so
that a renamed metric cannot leave a panel silently empty.

  grafana_dashboard_check.py SCRAPE_FILE
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DASHBOARD = os.path.join(HERE, "..", "deploy", "prometheus", "grafana-dashboard.json")


def main():
    scrape = open(sys.argv[1]).read()
    families = set(re.findall(r"^# TYPE (\S+) ", scrape, re.M)) | {"up"}
    dashboard = json.load(open(DASHBOARD))
    exprs = [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p["targets"]]
    problems = []
    if not exprs:
        problems.append("the dashboard has no queries")
    for title, expr in exprs:
        for name in re.findall(r"\b((?:nexus|process)_[a-z0-9_]+|up)\b", expr):
            family = re.sub(r"_(bucket|sum|count)$", "", name)
            if family not in families and name not in families:
                problems.append("panel %r names %s, which the node does not expose" % (title, name))
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as rules:
        rules.write("groups:\n  - name: dashboard\n    rules:\n")
        for i, (_, expr) in enumerate(exprs):
            rules.write("      - record: dashboard:query_%d\n        expr: %s\n" % (i, json.dumps(expr)))
    checked = subprocess.run(["promtool", "check", "rules", rules.name], capture_output=True, text=True)
    os.unlink(rules.name)
    if checked.returncode != 0:
        problems.append("promtool check rules: " + checked.stdout + checked.stderr)
    for problem in problems:
        print("FAIL", problem)
    if not problems:
        print("ok    %d queries in %d panels parse, and name only metrics the node exposes"
              % (len(exprs), len(dashboard["panels"])))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
