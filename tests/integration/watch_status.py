#!/usr/bin/env python3
"""Polls a kairos daemon's /status for a while and checks it against a known truth.

The truth is the true offset of the daemon's virtual clock correction (virtual - system):
a daemon whose own clock is shifted by +S must correct by -S; one syncing to a server
shifted by +S must correct by +S. Every synchronized reading must satisfy
|offset_ns - truth| <= error_bound_ns; once the deadline for convergence has passed,
every reading must also be synchronized and within --within of the truth.

Exit 0 when all held; 1 (with the first violation) otherwise. Prints a one-line summary.
"""
import argparse, json, sys, time, urllib.request


def duration_ns(text):
    units = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
    for u in ("ns", "us", "ms", "s"):
        if text.endswith(u) and (u != "s" or not text[-2:] in ("ns", "us", "ms")):
            return int(float(text[: -len(u)]) * units[u])
    return int(text)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--http", required=True)
    p.add_argument("--truth", required=True, help="true offset_ns as a duration, e.g. 250ms")
    p.add_argument("--within", default="1ms")
    p.add_argument("--converge-by", default="30s", help="time from now to converge")
    p.add_argument("--watch", default="40s", help="total time to watch")
    p.add_argument("--interval", default="250ms")
    a = p.parse_args()
    truth, within = duration_ns(a.truth), duration_ns(a.within)
    t0 = time.monotonic()
    converge_by = t0 + duration_ns(a.converge_by) / 1e9
    end = t0 + duration_ns(a.watch) / 1e9
    first_within = None
    readings = synced = 0
    worst_after = 0
    while time.monotonic() < end:
        now = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://{a.http}/status", timeout=2) as r:
                j = json.load(r)
        except OSError as e:
            print(f"FAIL: status unreachable: {e}")
            return 1
        readings += 1
        err = j["offset_ns"] - truth
        if j["synchronized"]:
            synced += 1
            if abs(err) > j["error_bound_ns"]:
                print(f"FAIL: bound excludes truth at +{now - t0:.1f}s: offset {j['offset_ns']} "
                      f"truth {truth} bound {j['error_bound_ns']}")
                return 1
            if abs(err) <= within and first_within is None:
                first_within = now - t0
        if now > converge_by:
            if not j["synchronized"] or abs(err) > within:
                print(f"FAIL: at +{now - t0:.1f}s not within {a.within} of the truth: "
                      f"synchronized={j['synchronized']} error {err} ns")
                return 1
            worst_after = max(worst_after, abs(err))
        time.sleep(duration_ns(a.interval) / 1e9)
    if first_within is None:
        print("FAIL: never within the target")
        return 1
    print(f"ok: {readings} readings, {synced} synchronized, bound always held; within "
          f"{a.within} after {first_within:.1f}s; worst error after convergence {worst_after} ns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
