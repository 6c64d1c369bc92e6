#!/usr/bin/env python3
"""clock_watch.py COMMAND [ARGS...]: runs an integration test, watching this machine's clock.

Integration tests take this machine's CLOCK_REALTIME as the truth. No test may step it
(every daemon runs without CAP_SYS_TIME), but a hypervisor's agent or a time daemon outside
the test can. Linux's slews move CLOCK_REALTIME and CLOCK_MONOTONIC alike, so a change of
their difference is a step. While COMMAND runs, the difference is read every 100 ms; a
change over 0.2 ms between readings is a step from outside, and so is a drift of the
difference by 1 ms from first reading to last (many small steps). Both are printed on
stderr.

Exit code: COMMAND's, except 77 (ctest: skipped, never passed) when COMMAND failed while the
clock was stepped by 1 ms or more in all: a comparison with a clock that moved under the
test is void, not failed. A test that passes despite steps still passes.
`clock_watch.py --self-test` checks the step finder on made-up readings.
"""
import signal
import subprocess
import sys
import threading
import time

INTERVAL_S = 0.1
STEP_NS = 200_000  # a change of REALTIME - MONOTONIC larger than this is a step
VOID_NS = 1_000_000  # steps adding up to this much void a failed test
MAX_READ_NS = 50_000  # a reading whose REALTIME pair spans more was preempted: retried
SKIPPED = 77


def read_difference():
    """(monotonic ns, REALTIME - MONOTONIC ns), or None when every try was preempted."""
    for _ in range(5):
        before = time.clock_gettime_ns(time.CLOCK_REALTIME)
        mono = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        after = time.clock_gettime_ns(time.CLOCK_REALTIME)
        if after - before <= MAX_READ_NS:
            return mono, (before + after) // 2 - mono
    return None


def outside_movement(readings):
    """(steps, ns moved in all): the steps find_steps sees, and the larger of their summed
    size and the drift of REALTIME - MONOTONIC from the first reading to the last."""
    steps = find_steps(readings)
    drift = abs(readings[-1][1] - readings[0][1]) if readings else 0
    return steps, max(sum(abs(s) for _, s in steps), drift)


def find_steps(readings, threshold_ns=STEP_NS):
    """[(monotonic ns, step ns)] between consecutive readings whose difference moved more
    than threshold_ns."""
    steps = []
    for (_, prev), (mono, cur) in zip(readings, readings[1:]):
        if abs(cur - prev) > threshold_ns:
            steps.append((mono, cur - prev))
    return steps


class Watch:
    def __init__(self):
        self.readings = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while True:
            r = read_difference()
            if r is not None:
                self.readings.append(r)
            if self.stop.wait(INTERVAL_S):
                return

    def finish(self):
        self.stop.set()
        self.thread.join()
        r = read_difference()
        if r is not None:
            self.readings.append(r)
        return outside_movement(self.readings)


def report(steps, moved_ns, start_ns):
    print(f"clock watch: this machine's clock was stepped from outside while the test ran: "
          f"{moved_ns / 1e6:.3f} ms in all, {len(steps)} steps over {STEP_NS / 1e6} ms",
          file=sys.stderr)
    for mono, step in steps[:10]:
        print(f"  at +{(mono - start_ns) / 1e9:.1f} s: {step / 1e6:+.3f} ms", file=sys.stderr)
    if len(steps) > 10:
        print(f"  ... and {len(steps) - 10} more", file=sys.stderr)


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    start = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    watch = Watch()
    watch.thread.start()
    child = subprocess.Popen(argv)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, _frame: child.send_signal(s))
    rc = child.wait()
    steps, moved = watch.finish()
    if not steps and moved < VOID_NS:
        return rc
    report(steps, moved, start)
    if rc not in (0, SKIPPED) and moved >= VOID_NS:
        print(f"clock watch: the test failed (exit {rc}) against a clock that was stepped "
              "under it: its result is void, reported as skipped", file=sys.stderr)
        return SKIPPED
    return rc


def self_test():
    flat = [(i * 100, 5_000) for i in range(10)]
    assert find_steps(flat) == [], "a steady difference is no step"
    jittery = [(i * 100, 5_000 + (i % 2) * 150_000) for i in range(10)]
    assert find_steps(jittery) == [], "changes under the threshold are no steps"
    stepped = flat[:5] + [(500 + i * 100, 5_000 + 5_000_000) for i in range(5)]
    assert find_steps(stepped) == [(500, 5_000_000)], find_steps(stepped)
    back = [(0, 0), (100, -300_000), (200, -300_000)]
    assert find_steps(back) == [(100, -300_000)], find_steps(back)
    assert outside_movement(stepped)[1] == 5_000_000
    to_and_fro = [(0, 0), (100, 700_000), (200, 0)]
    assert outside_movement(to_and_fro)[1] == 1_400_000, "steps that cancel still count"
    creeping = [(i * 100, i * 100_000) for i in range(20)]
    assert outside_movement(creeping) == ([], 1_900_000), "small steps add up"
    assert outside_movement([]) == ([], 0)
    r = read_difference()
    assert r is not None and r[0] > 0, "this machine's clocks can be read"
    print("clock_watch self-test: ok")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    sys.exit(main(sys.argv[1:]))
