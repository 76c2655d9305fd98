"""Triggers fire from evaluation ingest, after commit, deduplicated; resolutions add notes."""

import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.evaluations import EvaluationRow, record_evaluations
from compliance.models import Finding
from compliance.tests.factories import DataSourceFactory, FrameworkFactory, RuleFactory, record
from workflows.choices import WorkflowStatus
from workflows.models import Workflow
from workflows.services import cancel_workflow
from workflows.tasks import handle_compliance_events
from workflows.triggering import run_due_schedule_triggers

from .factories import WorkflowFactory, WorkflowTemplateFactory, WorkflowTriggerFactory


def rows(pairs, status="failed", at=None):
    at = at or timezone.now()
    return [
        EvaluationRow(
            rule_id=rule.pk,
            data_source_id=source.pk,
            status=status,
            score=40.0,
            evaluated_at=at,
            details={},
            duration_ms=None,
            source="test",
        )
        for rule, source in pairs
    ]


def ingest(capture, pairs, status="failed", at=None):
    with capture(execute=True):
        return record_evaluations(rows=rows(pairs, status, at))


@pytest.mark.django_db
class TestTriggers:
    def test_finding_opened_trigger_filters_and_deduplicates(self, django_capture_on_commit_callbacks, eager_celery):
        framework = FrameworkFactory(code="soc2")
        trigger = WorkflowTriggerFactory(event="finding_opened", framework=framework, min_severity="high")
        high = RuleFactory(framework=framework, severity="critical")
        low = RuleFactory(framework=framework, severity="low")
        other = RuleFactory(severity="critical")  # another framework
        sources = [DataSourceFactory() for _ in range(2)]
        ingest(django_capture_on_commit_callbacks, [(rule, s) for rule in (high, low, other) for s in sources])
        started = Workflow.objects.filter(trigger=trigger)
        assert started.count() == 2
        assert {w.finding.rule_id for w in started} == {high.pk}
        workflow = started.first()
        assert workflow.status == WorkflowStatus.ACTIVE and workflow.variables["severity"] == "critical"
        assert workflow.variables["framework"] == "soc2" and workflow.variables["score"] == 40.0
        # Failing again opens nothing new, so nothing starts again.
        ingest(django_capture_on_commit_callbacks, [(high, s) for s in sources])
        assert Workflow.objects.filter(trigger=trigger).count() == 2
        # A redelivered task (acks are late) starts nothing twice.
        finding_ids = list(started.values_list("finding_id", flat=True))
        assert handle_compliance_events.apply(args=[{"finding_opened": finding_ids}]).get()["started"] == 0
        assert Workflow.objects.filter(trigger=trigger).count() == 2

    def test_evaluation_failed_trigger_one_open_workflow_per_finding(
        self, django_capture_on_commit_callbacks, eager_celery
    ):
        trigger = WorkflowTriggerFactory(event="evaluation_failed", tags=["iam"])
        rule, untagged = RuleFactory(tags=["iam", "cloud"]), RuleFactory(tags=["network"])
        source = DataSourceFactory()
        for _ in range(3):
            ingest(django_capture_on_commit_callbacks, [(rule, source), (untagged, source)])
        assert Workflow.objects.filter(trigger=trigger).count() == 1
        cancel_workflow(workflow=Workflow.objects.get(trigger=trigger))
        ingest(django_capture_on_commit_callbacks, [(rule, source)])
        assert Workflow.objects.filter(trigger=trigger).count() == 2
        assert Workflow.objects.filter(trigger=trigger, status__in=("active", "waiting_approval")).count() == 1

    def test_reopened_finding_fires_reopen_trigger(self, django_capture_on_commit_callbacks, eager_celery):
        trigger = WorkflowTriggerFactory(event="finding_reopened")
        rule, source = RuleFactory(), DataSourceFactory()
        start = timezone.now() - timedelta(hours=3)
        ingest(django_capture_on_commit_callbacks, [(rule, source)], at=start)
        ingest(django_capture_on_commit_callbacks, [(rule, source)], status="passed", at=start + timedelta(hours=1))
        assert not Workflow.objects.filter(trigger=trigger).exists()
        ingest(django_capture_on_commit_callbacks, [(rule, source)], at=start + timedelta(hours=2))
        assert Workflow.objects.get(trigger=trigger).variables["recurrence_count"] == 1

    def test_database_constraint_refuses_a_second_open_workflow(self):
        trigger = WorkflowTriggerFactory()
        rule, source = RuleFactory(), DataSourceFactory()
        record(rule, source, "failed")
        finding = Finding.objects.get(rule=rule, data_source=source)
        WorkflowFactory(template=trigger.template, finding=finding, trigger=trigger)
        with pytest.raises(IntegrityError), transaction.atomic():
            WorkflowFactory(template=trigger.template, finding=finding, trigger=trigger)
        # A closed one does not count.
        WorkflowFactory(template=trigger.template, finding=finding, trigger=trigger, status="cancelled")

    def test_resolution_adds_a_note_to_the_open_remediation_workflow(
        self, django_capture_on_commit_callbacks, eager_celery
    ):
        trigger = WorkflowTriggerFactory(event="finding_opened")
        rule, source = RuleFactory(), DataSourceFactory()
        start = timezone.now() - timedelta(hours=2)
        ingest(django_capture_on_commit_callbacks, [(rule, source)], at=start)
        ingest(django_capture_on_commit_callbacks, [(rule, source)], status="passed", at=start + timedelta(hours=1))
        workflow = Workflow.objects.get(trigger=trigger)
        assert workflow.is_open
        assert len(workflow.notes) == 1 and "Finding resolved" in workflow.notes[0]["text"]
        # The task is idempotent: running it again for the same resolution adds nothing.
        handle_compliance_events.apply(args=[{"finding_resolved": [workflow.finding_id]}])
        workflow.refresh_from_db()
        assert len(workflow.notes) == 1

    def test_nothing_is_enqueued_for_a_rolled_back_ingest(self, django_capture_on_commit_callbacks):
        WorkflowTriggerFactory(event="finding_opened")
        rolled_back = (RuleFactory(), DataSourceFactory())
        kept = (RuleFactory(), DataSourceFactory())
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            with pytest.raises(RuntimeError), transaction.atomic():
                record_evaluations(rows=rows([rolled_back]))
                raise RuntimeError("abort")
            result = record_evaluations(rows=rows([kept]))
        batches = [cb.__self__ for cb in callbacks if getattr(cb, "__name__", "") == "flush"]
        assert len(batches) == 1
        assert batches[0].events["finding_opened"] == [result.opened[0].pk]

    def test_receivers_do_not_query_per_finding(self, django_capture_on_commit_callbacks):
        WorkflowTriggerFactory(event="finding_opened")
        WorkflowTriggerFactory(event="evaluation_failed")
        source = DataSourceFactory()
        warm, few, many = [RuleFactory()], [RuleFactory() for _ in range(5)], [RuleFactory() for _ in range(60)]
        counts = []
        for rules in (warm, few, many):
            with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as queries:
                record_evaluations(rows=rows([(rule, source) for rule in rules]))
            counts.append(len(queries))
        assert counts[1] == counts[2], counts

    def test_schedule_trigger_runs_once_per_due_time(self):
        trigger = WorkflowTriggerFactory(event="schedule", cron="0 6 * * *", template=WorkflowTemplateFactory())
        first_run = trigger.next_run_at
        assert first_run > timezone.now() - timedelta(minutes=1)
        assert run_due_schedule_triggers(now=first_run - timedelta(minutes=1)) == 0
        assert run_due_schedule_triggers(now=first_run) == 1
        assert run_due_schedule_triggers(now=first_run) == 0
        trigger.refresh_from_db()
        assert trigger.next_run_at == first_run + timedelta(days=1)
        assert Workflow.objects.get(trigger=trigger).status == WorkflowStatus.ACTIVE


@pytest.mark.worker
def test_real_worker_starts_the_workflow_after_commit(celery_worker_thread):
    trigger = WorkflowTriggerFactory(event="finding_opened")
    rule, source = RuleFactory(), DataSourceFactory()
    record_evaluations(rows=rows([(rule, source)]))  # autocommit: the task is published on commit
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Workflow.objects.filter(trigger=trigger).exists():
        time.sleep(0.2)
    workflow = Workflow.objects.get(trigger=trigger)
    assert workflow.finding.rule_id == rule.pk and workflow.status == WorkflowStatus.ACTIVE
