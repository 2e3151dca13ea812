#!/usr/bin/env python3
"""tests/cmake/leaks_agree.py — the in-process and the offline leak report of
one run must agree. Usage: leaks_agree.py PROGRAM GCSCOPE WORKDIR

Runs PROGRAM with GCSCOPE_TRACE and GCSCOPE_LEAKS=json,log=..., then
`gcscope leaks TRACE --json`, and compares the summaries and the records
(class, type, site, counts, bytes, cycles, unaccounted references, culprit
call sites and event numbers, error event numbers). The in-process recorder
sees the heap's boot events as the trace recorder does, so both number events
alike (it used to start counting after the heap was created). Paths and the
source line are left out.
"""
import json
import os
import subprocess
import sys


def site(s):
    if s is None:
        return None
    return (os.path.basename(s["file"] or ""), s["func"], s["line"])


def records(rep):
    out = []
    for r in rep["records"]:
        key = {
            "kind": r["kind"], "type": r["type"], "site": site(r["site"]),
            "objects": r["objects"], "bytes": r["bytes"],
            "indirect_objects": r["indirect_objects"], "indirect_bytes": r["indirect_bytes"],
        }
        for k in ("cycles", "refs_unaccounted", "owner"):
            if k in r:
                key[k] = r[k]
        if r.get("culprits"):
            key["culprits"] = [(c["op"], site(c["site"]), c["count"], c["event"])
                               for c in r["culprits"]]
        if r["kind"] == "error":
            key["errors"] = len(r["examples"])
            key["error_events"] = [e.get("event") for e in r["examples"]]
        out.append(key)
    return out


def main():
    prog, gcscope, work = sys.argv[1:4]
    name = os.path.basename(prog)
    trace = os.path.join(work, name + ".gctrace")
    inproc = os.path.join(work, name + ".inproc.json")
    for f in (trace, inproc):
        if os.path.exists(f):
            os.remove(f)
    env = dict(os.environ, GCSCOPE_TRACE=trace, GCSCOPE_LEAKS="json,log=" + inproc)
    subprocess.run([prog], env=env, check=True)
    off = subprocess.run([gcscope, "leaks", trace, "--json"], capture_output=True, text=True)
    if off.returncode not in (0, 1):
        sys.exit(f"gcscope leaks failed ({off.returncode}): {off.stderr}")
    a = json.load(open(inproc))
    b = json.loads(off.stdout)
    bad = False
    if a["summary"] != b["summary"]:
        print("summaries differ:\n in-process:", a["summary"], "\n offline:   ", b["summary"])
        bad = True
    ra, rb = records(a), records(b)
    if ra != rb:
        print("records differ:\n in-process:", json.dumps(ra, indent=1),
              "\n offline:", json.dumps(rb, indent=1))
        bad = True
    if (off.returncode == 1) != a["summary"]["leaks_found"]:
        print("exit status", off.returncode, "but leaks_found", a["summary"]["leaks_found"])
        bad = True
    if bad:
        sys.exit(1)
    print(f"{name}: in-process and offline reports agree "
          f"({len(ra)} records, leaks_found={a['summary']['leaks_found']})")


if __name__ == "__main__":
    main()
