"""Domain signals: other apps react to compliance events without importing its internals.

Sent inside the ingest transaction; receivers that start work must use
transaction.on_commit so that nothing runs for a rolled-back ingest.
"""

from django.dispatch import Signal

# evaluations: list[RuleEvaluation] written in one ingest call (one send per call).
evaluations_recorded = Signal()
# finding, evaluation: the finding after the change and the evaluation that caused it.
finding_opened = Signal()
finding_reopened = Signal()
finding_resolved = Signal()
