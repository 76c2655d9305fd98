"""Open-loop load: requests arrive on a fixed schedule, whether or not earlier ones are done.

A closed loop (N clients, each waiting for its answer before asking again) slows its own
arrivals when the server slows, so its percentiles mostly measure queueing and move with
the machine. Here arrivals are a Poisson process at a fixed rate, each request runs on its
own thread from a large pool, and latency is counted from the moment the request was due,
not from when a thread got to send it: a backlog shows up as latency instead of hiding
(no coordinated omission).
"""

import concurrent.futures
import random
import statistics
import threading
import time
from collections import defaultdict

import requests

READ_TARGETS = {"p95": 200.0, "p99": 400.0}
MAX_IN_FLIGHT = 256


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class StepResult:
    def __init__(self, rate, seconds):
        self.rate, self.seconds = rate, seconds
        self.samples = defaultdict(list)  # (kind, label) -> latencies in ms
        self.failures = defaultdict(int)  # (label, status) -> count
        self.late_starts = 0  # requests that waited for a free thread

    @property
    def reads(self):
        return [v for (kind, _), values in self.samples.items() if kind == "read" for v in values]

    @property
    def errors(self):
        return sum(self.failures.values())

    def read_percentiles(self):
        reads = self.reads
        if not reads:
            return None, None, None
        return statistics.median(reads), percentile(reads, 95), percentile(reads, 99)

    @property
    def holds(self):
        _, p95, p99 = self.read_percentiles()
        return p95 is not None and p95 < READ_TARGETS["p95"] and p99 < READ_TARGETS["p99"] and not self.errors


class LoadGenerator:
    """A pool of sender threads kept across steps, each with its own Traffic (sessions and
    connections are per thread, as they would be per user)."""

    def __init__(self, make_traffic, max_in_flight=MAX_IN_FLIGHT):
        self.make_traffic = make_traffic
        self.local = threading.local()
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=max_in_flight)

    def close(self):
        self.pool.shutdown(wait=True)

    def traffic(self):
        if not hasattr(self.local, "traffic"):
            self.local.traffic = self.make_traffic()
        return self.local.traffic

    def run_step(self, mix, rate, seconds, seed=0):
        """`rate` requests a second for `seconds`, drawn from `mix`; waits for the stragglers."""
        result = StepResult(rate, seconds)
        lock = threading.Lock()
        rng = random.Random(seed)

        def send(due):
            kind, label, call = self.traffic().pick(mix)
            try:
                status = call().status_code
            except requests.RequestException:
                status = 599
            elapsed = (time.perf_counter() - due) * 1000
            with lock:
                result.samples[(kind, label)].append(elapsed)
                if status >= 500 or status in (401, 403):
                    result.failures[(label, status)] += 1

        futures = []
        due = time.perf_counter()
        end = due + seconds
        while True:
            due += rng.expovariate(rate)
            if due >= end:
                break
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            futures.append(self.pool.submit(send, due))
        concurrent.futures.wait(futures)
        return result

    def find_capacity(self, mix, *, start_rate, seconds, refine_steps=3, warmup_seconds=5):
        """The highest arrival rate at which reads hold p95 < 200 ms and p99 < 400 ms, no errors.

        Doubles the rate until a step misses the targets, then bisects between the last rate
        that held and the first that missed. Returns (capacity or 0, [StepResult...]).
        """
        self.run_step(mix, start_rate, warmup_seconds, seed=99)  # connections, caches, sign-ins
        steps = []
        held, missed = 0.0, None
        rate = float(start_rate)
        while missed is None and rate <= 4000:
            step = self.run_step(mix, rate, seconds, seed=len(steps))
            steps.append(step)
            if step.holds:
                held, rate = rate, rate * 2
            else:
                missed = rate
        for _ in range(refine_steps if missed is not None else 0):
            rate = round((held + missed) / 2, 1)
            step = self.run_step(mix, rate, seconds, seed=len(steps))
            steps.append(step)
            if step.holds:
                held = rate
            else:
                missed = rate
        return held, steps
