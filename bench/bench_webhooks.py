"""Webhook delivery throughput: events per second per worker, through the real path.

Ours: audit entries committed to the chain (the outbox), one subscription, and one real
Celery worker (prefork, concurrency 1) running `webhooks.deliver` as the beat's dispatch
starts it: lock the subscription, read the next matching entry, sign, POST, write the
delivery log row and move the cursor, one transaction per event. Timed from the task's
publish until the cursor has passed the last event (every delivery committed).

Baseline, in the same run, to the same receiver: a bare loop of the same signed POSTs
(webhooks.delivery._post through webhooks.delivery.session(): the same SSRF-safe client
keeping its connection alive as a batch does, the same bodies and headers), with no
database, no broker and no worker. The ratio is what the delivery guarantees cost (in
order, at least once, a log row per attempt). For reference the same loop is also timed
with a new connection per POST (what every delivery paid before connections were kept).

Rounds alternate baseline and ours, so load from anything else on the machine hits both;
the medians are printed. The receiver is common/testing/receiver.py (a threaded
http.server on 127.0.0.1, as the webhook tests use).

    .venv/bin/python bench/bench_webhooks.py [--events 1000] [--rounds 3]
"""

import argparse
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time

from harness import ROOT, machine_note, row, setup_django

DATABASE = "bench_webhooks"


def configure():
    # Before the settings load: the receiver is on 127.0.0.1 over plain http, allowed as an
    # on-premise deployment would allow it; the worker inherits the same environment.
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance_site.bench_settings")
    os.environ["INTEGRATIONS_ALLOW_HTTP"] = "1"
    os.environ["INTEGRATIONS_ALLOW_PRIVATE_NETWORKS"] = "1"
    os.environ["WEBHOOK_BACKOFF_SECONDS"] = "0"
    sys.path.insert(0, str(ROOT / "bench"))  # bench_settings names bench_urls
    setup_django(DATABASE)
    from django.conf import settings

    name = settings.DATABASES["default"]["NAME"]
    if "bench" not in name:
        sys.exit(f"refusing to benchmark on database {name!r}: set DATABASE_URL to a bench database")


def start_worker():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "bench"), str(ROOT)])}
    command = [sys.executable, "-m", "celery", "-A", "compliance_site", "worker", "-Q", "default"]
    command += ["--pool", "prefork", "--concurrency", "1", "--loglevel", "WARNING"]
    command += ["--without-heartbeat", "--without-mingle", "--without-gossip"]
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / "bench-webhooks-worker.log", "w")  # noqa: SIM115 - the worker owns it
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT)


def stop_worker(worker):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def emit(n, label):
    """n committed audit entries (one transaction, sealed at commit); the last one's chain seq."""
    from django.db import transaction

    from audit.chain import last_link
    from audit.services import record_event

    with transaction.atomic():
        for i in range(n):
            record_event(action="custom_event", message=f"{label} {i}")
    return last_link()[0]


def wait_for_cursor(subscription, seq, timeout=600):
    from webhooks.models import WebhookSubscription

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if WebhookSubscription.objects.filter(pk=subscription.pk, last_seq__gte=seq).exists():
            return
        time.sleep(0.005)
    sys.exit(f"the worker did not deliver through seq {seq} in {timeout} s (is it running?)")


def run_ours(subscription, n, label):
    from webhooks.tasks import deliver

    last = emit(n, label)
    start = time.perf_counter()
    # `deliver` stops after 1000 events (as a dispatch tick would); publish as many as needed.
    for _ in range(-(-n // 1000)):
        deliver.delay(subscription.pk)
    wait_for_cursor(subscription, last)
    return n / (time.perf_counter() - start)


def run_baseline(subscription, n, label):
    """The same signed POSTs in a bare loop: bodies made first, as the real path makes them.

    (POSTs/s over one kept connection, POSTs/s with a new connection per POST)."""
    from audit import forwarding
    from webhooks import delivery

    last = emit(n, label)
    entries, _ = forwarding.pending(last - n, n)
    bodies = []
    for entry in entries:
        event_id = delivery.webhook_id(subscription, entry["seq"])
        bodies.append((event_id, delivery.body_for(entry, forwarding.event_types(entry), event_id)))
    rates = []
    for kept in (True, False):
        start = time.perf_counter()
        client = delivery.session()
        for event_id, body in bodies:
            code, error, _ = delivery._post(subscription, event_id, body, client)
            if not kept:
                client.close()
                client = delivery.session()
            if code != 200:
                sys.exit(f"baseline POST failed: {code} {error}")
        client.close()
        rates.append(n / (time.perf_counter() - start))
    # Past these entries, so the worker's next round does not send them too.
    type(subscription).objects.filter(pk=subscription.pk).update(last_seq=last)
    return rates


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000, help="events per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    configure()
    from django.contrib.auth import get_user_model

    from audit.chain import last_link
    from common.testing.receiver import Receiver
    from compliance_site.celery import app
    from webhooks.models import WebhookSubscription

    app.control.purge()  # no task left in the queues from an earlier, interrupted run
    owner, _ = get_user_model().objects.get_or_create(username="bench-webhooks")
    WebhookSubscription.objects.filter(owner=owner).update(is_active=False)
    print(f"webhook delivery, {args.events} events a round, {args.rounds} rounds; {machine_note()}")
    worker = start_worker()
    try:
        with Receiver() as receiver:
            subscription = WebhookSubscription.objects.create(
                owner=owner,
                url=receiver.url,
                events=["custom_event"],
                secret={"value": "whsec-bench-0123456789"},
                last_seq=last_link()[0],
            )
            run_ours(subscription, 20, "warm-up")  # the worker is up, its connections are open
            ours, baseline, fresh = [], [], []
            for r in range(args.rounds):
                kept, new = run_baseline(subscription, args.events, f"baseline {r}")
                baseline.append(kept)
                fresh.append(new)
                ours.append(run_ours(subscription, args.events, f"ours {r}"))
                print(
                    f"  round {r + 1}: ours {ours[-1]:7.1f} events/s   baseline {kept:7.1f} POSTs/s"
                    f"   (a new connection per POST {new:7.1f} POSTs/s)"
                )
            arrived = len(receiver.requests)
    finally:
        stop_worker(worker)
    if subscription.deliveries.filter(delivered=False).exists():
        sys.exit("some deliveries failed: the figures would not be of successful deliveries")
    expected = 20 + 3 * args.rounds * args.events
    print(f"  the receiver got {arrived} requests ({expected} sent: warm-up, both baselines and ours)")
    # Events per second: a higher figure is better, so the ratio printed is baseline / ours.
    o, b = statistics.median(ours), statistics.median(baseline)
    row("events/s per worker (ms per event)", 1000 / o, 1000 / b)
    print(f"{'events/s per worker':<46} ours {o:9.1f}      baseline {b:9.1f}")
    print(f"{'  bare loop, a new connection per POST':<46} {statistics.median(fresh):9.1f} POSTs/s")


if __name__ == "__main__":
    main()
