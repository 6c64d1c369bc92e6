#!/usr/bin/env python3
"""Observes the cluster example's nodes and checks what test.sh asserts.

Bounded time is read straight from each node's shared-memory segment (the layout in
docs/shm-format.md), all segments at one clock reading, so nodes can be compared at the
same instant; `kairos now` is run alongside as the reference reader. The master is
chronyd serving this machine's own clock, and the segments' intervals are on the system
clock's scale, so "true time" here is simply CLOCK_REALTIME.

Subcommands (each prints what it measured; exit 1 when a check fails):
  converge      wait until every node is synchronized within DELTA; print how long each took
  window        sample the nodes for a while; check bounds, containment of true time and
                agreement between nodes; --observe nodes are only measured
  watch-ready   (run inside a node's namespace) log /readyz and /status over time
  check-ready   check such a log: not ready before the bound was inside DELTA, ready after
  sources       check source states in a `kairos status --json` document (stdin)
"""
import argparse
import http.client
import json
import mmap
import os
import struct
import subprocess
import sys
import time

MAGIC = 0x5454736F7269616B
STATUS_NAMES = {0: "unsynchronized", 1: "synchronized", 2: "free-running", 3: "stale"}


def parse_duration_ns(text):
    units = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
    for unit in ("ns", "us", "ms", "s"):
        if text.endswith(unit) and text[: -len(unit)].replace(".", "", 1).isdigit():
            return int(float(text[: -len(unit)]) * units[unit])
    raise argparse.ArgumentTypeError(f"not a duration: '{text}' (e.g. 5ms, 250us, 2s)")


def parse_node(text):
    name, sep, shm = text.partition("=")
    if not sep or not shm.startswith("/"):
        raise argparse.ArgumentTypeError(f"expected NAME=/SHM_NAME, got '{text}'")
    return name, shm


class Segment:
    """One node's bounded-clock segment, mapped read-only."""

    def __init__(self, shm_name):
        fd = os.open("/dev/shm" + shm_name, os.O_RDONLY)
        try:
            self.map = mmap.mmap(fd, 128, prot=mmap.PROT_READ)
        finally:
            os.close(fd)
        magic, version = struct.unpack_from("<QI", self.map, 0)
        if magic != MAGIC or version != 1:
            raise ValueError(f"{shm_name}: not a layout-1 kairos segment")
        (self.stale_after_ns,) = struct.unpack_from("<q", self.map, 24)

    def sequence(self):
        return struct.unpack_from("<Q", self.map, 64)[0]

    def words(self):
        return struct.unpack_from("<qqdqdqQ", self.map, 72)


def read_all(segments):
    """Every segment's record and one clock reading t taken inside all their seqlocks."""
    for _ in range(1000):
        seqs = [s.sequence() for s in segments]
        if any(q & 1 for q in seqs):
            continue
        records = [s.words() for s in segments]
        t = time.time_ns()
        if [s.sequence() for s in segments] == seqs:
            return t, records
    raise RuntimeError("segments kept changing for 1000 attempts")


def interval(segment, record, t):
    """Bounded time at clock reading t, computed as docs/shm-format.md says."""
    ref_ns, offset_ns, f, bound_ns, m, heartbeat_ns, state = record
    d = t - ref_ns
    if d <= 0:
        m = 0.0
    lo = int(float(d) * ((f - m) * 1e-6) // 1)
    hi = -int(-(float(d) * ((f + m) * 1e-6)) // 1)
    earliest = t + offset_ns + lo - bound_ns
    latest = t + offset_ns + hi + bound_ns
    midpoint = earliest + (latest - earliest) // 2
    status = STATUS_NAMES.get(state & 0xFF, "corrupt")
    if t - heartbeat_ns > segment.stale_after_ns:
        status = "stale"
    return {"earliest": earliest, "latest": latest, "midpoint": midpoint,
            "bound": latest - midpoint, "status": status}


def kairos_now(kairos, shm_name):
    """`kairos now --json` with the real time read just before and just after it."""
    before = time.time_ns()
    out = subprocess.run([kairos, "now", "--shm-name", shm_name, "--json"],
                         capture_output=True, text=True, timeout=20)
    after = time.time_ns()
    j = json.loads(out.stdout) if out.stdout.strip() else {"status": out.stderr.strip()}
    return before, after, j


def ms(ns):
    return f"{ns / 1e6:.3f} ms"


def cmd_converge(a):
    names = [n for n, _ in a.node]
    start = time.time()
    segments, done = {}, {}
    while len(done) < len(names) and time.time() - start < a.timeout:
        for name, shm in a.node:
            if name in segments:
                continue
            try:
                segments[name] = Segment(shm)
            except (OSError, ValueError):
                pass
        if segments:
            t, records = read_all(list(segments.values()))
            for (name, seg), rec in zip(segments.items(), records):
                iv = interval(seg, rec, t)
                if name not in done and iv["status"] == "synchronized" and iv["bound"] <= a.delta:
                    done[name] = (time.time() - start, iv["bound"])
        time.sleep(0.1)
    for name in names:
        if name in done:
            print(f"  {name}: synchronized within {ms(a.delta)} after {done[name][0]:.1f} s "
                  f"(bound {ms(done[name][1])})")
        else:
            print(f"  {name}: NOT synchronized within {ms(a.delta)} after {a.timeout:.0f} s")
    if done:
        print(f"convergence: slowest {max(v[0] for v in done.values()):.1f} s")
    return 0 if len(done) == len(names) else 1


def cmd_window(a):
    checked = dict(a.node)
    observed = dict(a.observe or [])
    all_nodes = {**checked, **observed}
    segments = {name: Segment(shm) for name, shm in all_nodes.items()}
    stats = {name: {"max_err": 0, "max_bound": 0, "excluded": 0, "statuses": set()}
             for name in all_nodes}
    violations, sweeps, max_spread, now_checks = [], 0, 0, 0
    deadline = time.time() + a.seconds
    turn = 0
    while time.time() < deadline:
        t, records = read_all(list(segments.values()))
        sweeps += 1
        mids = []
        for (name, seg), rec in zip(segments.items(), records):
            iv = interval(seg, rec, t)
            st = stats[name]
            err = iv["midpoint"] - t
            st["max_err"] = max(st["max_err"], abs(err))
            st["max_bound"] = max(st["max_bound"], iv["bound"])
            st["statuses"].add(iv["status"])
            excluded = not (iv["earliest"] <= t <= iv["latest"])
            st["excluded"] += excluded
            if name not in checked:
                continue
            mids.append(iv["midpoint"])
            if iv["status"] != "synchronized":
                violations.append(f"{name}: status {iv['status']}")
            if iv["bound"] > a.delta:
                violations.append(f"{name}: bound {ms(iv['bound'])} > {ms(a.delta)}")
            if excluded:
                violations.append(f"{name}: [{iv['earliest']}, {iv['latest']}] excludes true "
                                  f"time {t} (midpoint off by {ms(err)})")
        spread = max(mids) - min(mids)
        max_spread = max(max_spread, spread)
        if spread > a.delta:
            violations.append(f"nodes disagree by {ms(spread)} > {ms(a.delta)}")
        if a.kairos:
            # The product's own reader, one node per sweep in turn.
            name = list(checked)[turn % len(checked)]
            turn += 1
            before, after, j = kairos_now(a.kairos, checked[name])
            now_checks += 1
            if j.get("status") != "synchronized":
                violations.append(f"kairos now {name}: status {j.get('status')}")
            elif not (j["earliest_ns"] <= after and j["latest_ns"] >= before):
                violations.append(f"kairos now {name}: [{j['earliest_ns']}, {j['latest_ns']}] "
                                  f"excludes true time read around it [{before}, {after}]")
        time.sleep(a.interval)
    print(f"{a.label}: {sweeps} sweeps over {a.seconds:.0f} s, {now_checks} `kairos now` "
          f"readings; max disagreement between checked nodes {ms(max_spread)}")
    for name in all_nodes:
        st = stats[name]
        role = "checked" if name in checked else "observed"
        print(f"  {name} ({role}): max |midpoint - true| {ms(st['max_err'])}, max bound "
              f"{ms(st['max_bound'])}, true time excluded in {st['excluded']}/{sweeps} sweeps, "
              f"status {'/'.join(sorted(st['statuses']))}")
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"sweeps": sweeps, "max_spread_ns": max_spread, "delta_ns": a.delta,
                       "nodes": {n: {**s, "statuses": sorted(s["statuses"])}
                                 for n, s in stats.items()}}, f)
    for v in violations[:20]:
        print(f"  VIOLATION {v}")
    if len(violations) > 20:
        print(f"  ... and {len(violations) - 20} more")
    return 1 if violations else 0


def http_get(addr, path):
    host, port = addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=2)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


def cmd_watch_ready(a):
    start = time.time()
    ready_since = None
    with open(a.out, "w") as out:
        while time.time() - start < a.seconds:
            try:
                code, _ = http_get(a.http, "/readyz")
                _, body = http_get(a.http, "/status")
            except OSError:
                time.sleep(a.interval)  # the daemon is still starting
                continue
            j = json.loads(body)
            out.write(json.dumps({"t": time.time() - start, "readyz": code, "ready": j["ready"],
                                  "status": j["status"], "bound": j["error_bound_ns"],
                                  "stratum": j["stratum"]}) + "\n")
            out.flush()
            if code == 200:
                ready_since = ready_since or time.time()
                if time.time() - ready_since >= a.settle:
                    return 0
            time.sleep(a.interval)
    return 0


def cmd_check_ready(a):
    with open(a.log) as f:
        samples = [json.loads(line) for line in f if line.strip()]
    if not samples:
        print("  PROBLEM no samples: the blocking node's status endpoint never answered")
        return 1
    problems = []
    ready = [s for s in samples if s["readyz"] == 200]
    if samples[0]["readyz"] != 503:
        problems.append("the first /readyz answer was not 503: ready before it could have synced")
    if not ready:
        problems.append("never saw /readyz 200: the node did not become ready")

    def inside(s):
        return s["bound"] <= a.delta and s["status"] in ("synchronized", "free-running")

    for s in samples:
        # /readyz and /status are read one after the other; both must follow the bound.
        if s["readyz"] == 200 and not inside(s):
            problems.append(f"/readyz 200 at {s['t']:.2f} s with status {s['status']}, "
                            f"bound {ms(s['bound'])}")
        if s["ready"] and not inside(s):
            problems.append(f"/status ready at {s['t']:.2f} s with status {s['status']}, "
                            f"bound {ms(s['bound'])}")
    before = [s for s in samples if not ready or s["t"] < ready[0]["t"]]
    print(f"blocking node: {len(samples)} samples; /readyz 503 in the first {len(before)} "
          f"(status {'/'.join(sorted({s['status'] for s in before}))}, bound "
          f"{ms(min(s['bound'] for s in before))} or more, stratum "
          f"{'/'.join(str(x) for x in sorted({s['stratum'] for s in before}))})")
    if ready:
        first_inside = next(s for s in samples if inside(s))
        print(f"  bound first inside {ms(a.delta)} at {first_inside['t']:.2f} s after start; "
              f"/readyz 200 first at {ready[0]['t']:.2f} s, bound then {ms(ready[0]['bound'])}")
    for p in problems[:20]:
        print(f"  PROBLEM {p}")
    return 1 if problems else 0


def cmd_sources(a):
    j = json.load(sys.stdin)
    states = {s["address"]: s["state"] for s in j["sources"]}
    problems = []
    for want in a.expect:
        addr, _, state = want.partition("=")
        allowed = state.split("|")
        if states.get(addr) not in allowed:
            problems.append(f"{addr}: {states.get(addr)}, expected {state}")
    print(f"  sources: {', '.join(f'{k} {v}' for k, v in states.items())}")
    for p in problems:
        print(f"  PROBLEM {p}")
    return 1 if problems else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("converge", help="wait until every node is synchronized within DELTA")
    c.add_argument("--node", type=parse_node, action="append", required=True,
                   help="NAME=/SHM_NAME (repeatable)")
    c.add_argument("--delta", type=parse_duration_ns, required=True)
    c.add_argument("--timeout", type=float, default=90.0, help="seconds")

    w = sub.add_parser("window", help="sample the nodes and check them")
    w.add_argument("--node", type=parse_node, action="append", required=True,
                   help="NAME=/SHM_NAME of a node that must stay within DELTA (repeatable)")
    w.add_argument("--observe", type=parse_node, action="append",
                   help="NAME=/SHM_NAME of a node that is only measured (repeatable)")
    w.add_argument("--delta", type=parse_duration_ns, required=True)
    w.add_argument("--seconds", type=float, required=True)
    w.add_argument("--interval", type=float, default=0.25, help="seconds between sweeps")
    w.add_argument("--kairos", help="the kairos binary: also check with `kairos now`")
    w.add_argument("--label", default="window")
    w.add_argument("--json-out", help="write the measured figures here")

    r = sub.add_parser("watch-ready", help="log a node's /readyz and /status over time")
    r.add_argument("--http", required=True, help="ADDR:PORT")
    r.add_argument("--out", required=True)
    r.add_argument("--seconds", type=float, default=90.0, help="give up after this long")
    r.add_argument("--settle", type=float, default=3.0, help="stop once ready this long")
    r.add_argument("--interval", type=float, default=0.1)

    k = sub.add_parser("check-ready", help="check a watch-ready log")
    k.add_argument("--log", required=True)
    k.add_argument("--delta", type=parse_duration_ns, required=True)

    s = sub.add_parser("sources", help="check source states in `kairos status --json` (stdin)")
    s.add_argument("--expect", action="append", required=True,
                   help="ADDR:PORT=STATE[|STATE...] (repeatable)")

    a = p.parse_args()
    return {"converge": cmd_converge, "window": cmd_window, "watch-ready": cmd_watch_ready,
            "check-ready": cmd_check_ready, "sources": cmd_sources}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
