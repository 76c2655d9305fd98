"""Services enqueue tasks by name; a web process, where no worker ran Celery's autodiscovery,
must still find every app's tasks."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from common.queueing import enqueue_on_commit, registered_task

TASKS = (
    "reports.generate_report",
    "reports.distribute_report",
    "integrations.sync_integration",
    "workflows.handle_compliance_events",
    "workflows.send_notification_emails",
)


def test_a_fresh_process_finds_every_enqueued_task_by_name():
    script = (
        "import django; django.setup()\n"
        "from celery import current_app\n"
        f"names = {TASKS!r}\n"
        "assert not any(name in current_app.tasks for name in names), 'already imported: not a fresh process'\n"
        "from common.queueing import registered_task\n"
        "print(all(registered_task(name).name == name for name in names))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "compliance_site.test_settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "True"


@pytest.mark.django_db
def test_an_unknown_task_name_fails_before_anything_is_queued(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(KeyError):
        enqueue_on_commit("reports.no_such_task")
    assert callbacks == []
    with pytest.raises(TypeError):
        enqueue_on_commit(registered_task("reports.generate_report"))  # a task object, not its name
