#!/usr/bin/env python3
"""Samples a kairos client and a chronyd client once a second against a known truth.

Helper of bench/accuracy_vs_chrony.sh (one instance per profile). Both clients sync to the
same server through the same impairment proxy; the server's clock reads system + TRUTH, so
the correct estimate of (server - system) is exactly TRUTH for both of them, at any time.

  kairos:  GET /status -> offset_ns (virtual - system: the correction it applies),
           error_bound_ns, synchronized, poll_s, sources[0].delay_ns (the round trip of
           the sample its filter chose).
  chronyd: `chronyc -c tracking` over its own Unix socket -> field 5, "System time": the
           correction chronyd's (-x, clock not controlled) estimate of true time adds to
           the system clock, in seconds, positive when the system clock is slow. Also root
           delay / root dispersion (its own distance, root_delay/2 + root_dispersion) and
           the update interval. This is chrony's filtered estimate, as applied. Its root
           delay is the round trip it reports for its source (the delay column).

Waits (at most --converge-timeout) until both are synchronized, then --warmup seconds,
then samples both back to back every --interval for --measure seconds. Writes one CSV row
per client per sample and prints a JSON summary line.
"""
import argparse, csv, json, subprocess, sys, time, urllib.request


def kairos_read(http):
    with urllib.request.urlopen(f"http://{http}/status", timeout=2) as r:
        j = json.load(r)
    src = j.get("sources") or [{}]
    return {"synced": bool(j["synchronized"]), "offset_ns": int(j["offset_ns"]),
            "bound_ns": int(j["error_bound_ns"]), "poll_s": float(j["poll_s"]),
            "delay_ns": int(src[0].get("delay_ns", 0))}


def chrony_read(sock):
    out = subprocess.run(["chronyc", "-h", sock, "-c", "tracking"], capture_output=True,
                         text=True, timeout=5)
    f = out.stdout.strip().split(",")
    if out.returncode != 0 or len(f) < 14:
        raise OSError(f"chronyc tracking failed: {out.stdout.strip()} {out.stderr.strip()}")
    return {"synced": f[13] != "Not synchronised" and f[0] != "00000000",
            "offset_ns": round(float(f[4]) * 1e9),
            "bound_ns": round((float(f[10]) / 2 + float(f[11])) * 1e9),
            "poll_s": float(f[12]), "delay_ns": round(float(f[10]) * 1e9)}


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def summarize(rows, truth_ns):
    errs = sorted(abs(r["offset_ns"] - truth_ns) for r in rows if r["synced"])
    signed = sorted(r["offset_ns"] - truth_ns for r in rows if r["synced"])
    held = sum(1 for r in rows if r["synced"] and abs(r["offset_ns"] - truth_ns) <= r["bound_ns"])
    polls = sorted(r["poll_s"] for r in rows)
    return {"samples": len(rows), "synced": len(errs),
            "p50_ns": percentile(errs, 50), "p99_ns": percentile(errs, 99),
            "max_ns": errs[-1] if errs else float("nan"),
            "median_signed_ns": percentile(signed, 50),
            "bound_held": held / len(rows) if rows else float("nan"),
            "poll_s_median": percentile(polls, 50)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--profile", required=True)
    p.add_argument("--kairos-http", required=True)
    p.add_argument("--chronyc-socket", required=True)
    p.add_argument("--truth-ns", type=int, required=True)
    p.add_argument("--converge-timeout", type=float, default=180)
    p.add_argument("--warmup", type=float, default=60)
    p.add_argument("--measure", type=float, default=240)
    p.add_argument("--interval", type=float, default=1.0)
    p.add_argument("--csv", required=True)
    a = p.parse_args()

    t0 = time.monotonic()
    while True:
        try:
            k, c = kairos_read(a.kairos_http), chrony_read(a.chronyc_socket)
            if k["synced"] and c["synced"]:
                break
        except OSError:
            pass
        if time.monotonic() - t0 > a.converge_timeout:
            print(json.dumps({"profile": a.profile, "error": "no convergence within "
                              f"{a.converge_timeout:.0f}s"}))
            return 1
        time.sleep(0.5)
    converged_after = time.monotonic() - t0
    time.sleep(a.warmup)

    rows = {"kairos": [], "chronyd": []}
    start = time.monotonic()
    with open(a.csv, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["t_s", "client", "synced", "offset_ns", "error_ns", "bound_ns", "poll_s",
                    "delay_ns"])
        n = 0
        while True:
            due = start + n * a.interval
            if due - start >= a.measure:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            t = time.monotonic() - start
            for name, read, arg in (("kairos", kairos_read, a.kairos_http),
                                    ("chronyd", chrony_read, a.chronyc_socket)):
                r = read(arg)
                rows[name].append(r)
                w.writerow([f"{t:.3f}", name, int(r["synced"]), r["offset_ns"],
                            r["offset_ns"] - a.truth_ns, r["bound_ns"], r["poll_s"],
                            r["delay_ns"]])
            n += 1
    out = {"profile": a.profile, "converged_after_s": round(converged_after, 1),
           "warmup_s": a.warmup, "measure_s": a.measure}
    for name, rs in rows.items():
        out[name] = summarize(rs, a.truth_ns)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
