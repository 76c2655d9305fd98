"""Two people acting on the same step at the same moment: the row lock lets exactly one through."""

import threading

import pytest
from django.db import connection

from common.roles import COMPLIANCE_MANAGER
from compliance.tests.factories import UserFactory
from workflows import services
from workflows.models import StepApproval, WorkflowTransition

from .factories import WorkflowTemplateFactory, started_workflow


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_complete_the_step_once():
    steps = [
        {"key": "ok", "name": "Sign off", "type": "approval", "role": COMPLIANCE_MANAGER},
        {"key": "after", "name": "Follow up", "type": "task", "role": COMPLIANCE_MANAGER},
    ]
    workflow = started_workflow(template=WorkflowTemplateFactory(steps=steps))
    users = [UserFactory(roles=[COMPLIANCE_MANAGER]) for _ in range(4)]
    barrier = threading.Barrier(len(users))
    outcomes = []

    def approve(user):
        try:
            barrier.wait()
            services.approve_step(workflow=workflow, order=1, user=user)
            outcomes.append("ok")
        except services.StepConflict:
            outcomes.append("conflict")
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=approve, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict"] * 3 + ["ok"]
    assert StepApproval.objects.filter(step__workflow=workflow).count() == 1
    workflow.refresh_from_db()
    assert workflow.current_step.key == "after"
    assert WorkflowTransition.objects.filter(workflow=workflow, to_status="active").count() == 1
