"""Integration sync throughput beside the bulk ingest API on the same rows.

    .venv/bin/python bench/bench_integrations.py [--results 50000] [--page-size 1000]

A local Azure Policy fake on 127.0.0.1 serves N policy states in pages (following
@odata.nextLink, as Azure does); one sync pulls them all through the real client, the
mapping, the dedup keys and compliance.services.record_evaluations. A replay of the same
pages measures the dedup path. Then the same rows go through POST /api/v1/evaluations/bulk/
in 10,000-row requests. A third sync, after every remote timestamp moved on, measures the
steady state (data sources exist). Printed figures only; nothing passes or fails on time.
"""

import argparse
import os
import platform
import time
from datetime import UTC, datetime, timedelta

import harness

DATABASE = "bench_integrations"


def setup_django():
    os.environ["CELERY_BROKER_URL"] = "memory://"  # follow-up tasks (workflow triggers) go nowhere
    # A fresh database each run: the audit trail is append-only (no flush), and the
    # figures should not depend on what an earlier run left behind.
    harness.setup_django(DATABASE, fresh=True)
    from django.conf import settings

    # The fake is plain http on loopback.
    settings.INTEGRATIONS_ALLOW_HTTP = True
    settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = True


def build_states(total, subscription, policies):
    from integrations.tests.fakes.azure import make_state

    start = datetime.now(UTC) - timedelta(days=1)
    resources = max(1, total // policies)
    return [
        make_state(
            i % resources,
            subscription=subscription,
            compliant=i % 5 != 0,
            policy=f"bench-policy-{i // resources}",
            at=start + timedelta(milliseconds=i),
        )
        for i in range(total)
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=50_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--policies", type=int, default=50)
    args = parser.parse_args()
    setup_django()

    from rest_framework.test import APIClient

    from compliance.models import ComplianceRule, Framework, RuleEvaluation
    from compliance.tests.factories import UserFactory
    from integrations import services
    from integrations.tests.fakes.azure import FakeAzure

    framework = Framework.objects.create(code="bench", name="Bench")
    rules = ComplianceRule.objects.bulk_create(
        [ComplianceRule(name=f"Bench policy {i}", framework=framework) for i in range(args.policies)]
    )
    fake = FakeAzure(page_size=args.page_size)
    fake.states = build_states(args.results, fake.subscription, args.policies)
    fake.start()
    try:
        integration = services.create_integration(
            name="bench azure",
            provider="azure_policy",
            credentials={"client_id": fake.client_id, "client_secret": fake.client_secret},
            config={
                "tenant_id": fake.tenant,
                "subscription_id": fake.subscription,
                "management_url": fake.url,
                "authority_url": fake.url,
                "page_size": args.page_size,
                "rule_mapping": {f"bench-policy-{i}": r.pk for i, r in enumerate(rules)},
            },
        )
        started = time.perf_counter()
        log = services.run_sync(integration_id=integration.pk, trigger="bench")
        sync_seconds = time.perf_counter() - started
        assert log.status == "success", (log.status, log.error, log.unmapped[:3])
        assert log.created == args.results, log.created
        pages = len(fake.calls("/queryResults"))

        started = time.perf_counter()
        replay = services.run_sync(integration_id=integration.pk, trigger="bench")
        replay_seconds = time.perf_counter() - started
        assert replay.created == 0 and replay.skipped == args.results

        # Steady state: every remote result has moved on (new timestamps); data sources exist.
        for state in fake.states:
            state["timestamp"] = state["timestamp"].replace("Z", ".5Z")
        started = time.perf_counter()
        steady = services.run_sync(integration_id=integration.pk, trigger="bench")
        steady_seconds = time.perf_counter() - started
        assert steady.status == "success" and steady.created == args.results, (steady.status, steady.error)

        # One second later than the first pull, so newer than the steady-state pull too: the
        # bulk API then does the same work (latest evaluation and findings move forward).
        rows = [
            {
                "rule": e["rule_id"],
                "data_source": e["data_source_id"],
                "status": e["status"],
                "evaluated_at": (e["evaluated_at"] + timedelta(seconds=1)).isoformat(),
                "details": e["details"],
            }
            for e in RuleEvaluation.objects.order_by("id").values(
                "rule_id", "data_source_id", "status", "evaluated_at", "details"
            )[: args.results]
        ]
        client = APIClient()
        client.force_authenticate(UserFactory(username="bench", is_superuser=True, is_staff=True))
        started = time.perf_counter()
        for offset in range(0, len(rows), 10_000):
            response = client.post(
                "/api/v1/evaluations/bulk/", {"evaluations": rows[offset : offset + 10_000]}, format="json"
            )
            assert response.status_code == 201, response.content[:500]
        bulk_seconds = time.perf_counter() - started
    finally:
        fake.stop()

    n = args.results
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"PostgreSQL database {DATABASE}"
    )
    print(
        f"{n:,} remote results in {pages} pages of {args.page_size} from a local Azure Policy fake, "
        f"{args.policies} mapped policies, {n // args.policies:,} resources"
    )
    print(
        f"{'integration sync (first pull, creates data sources)':<58} {sync_seconds:8.2f} s  "
        f"{n / sync_seconds:10,.0f} results/s"
    )
    print(
        f"{'integration sync replay (all deduplicated)':<58} {replay_seconds:8.2f} s  "
        f"{n / replay_seconds:10,.0f} results/s"
    )
    print(
        f"{'integration sync, every result newer (steady state)':<58} {steady_seconds:8.2f} s  "
        f"{n / steady_seconds:10,.0f} results/s"
    )
    print(
        f"{'bulk ingest API, same rows, 10,000 per request':<58} {bulk_seconds:8.2f} s  "
        f"{n / bulk_seconds:10,.0f} results/s"
    )
    print(
        f"sync / bulk API time ratio: first pull {sync_seconds / bulk_seconds:.2f}x, "
        f"steady state {steady_seconds / bulk_seconds:.2f}x"
    )


if __name__ == "__main__":
    main()
