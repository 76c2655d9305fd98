"""What the compliance app asks the audit trail to record (connected in ComplianceConfig.ready)."""

from audit.impact import HIGH, LOW, MEDIUM, register_actions
from audit.registry import ModelOptions, register_app

from .models import (
    ComplianceRule,
    Control,
    ControlRevision,
    EvaluationRollup,
    Evidence,
    Framework,
    LatestEvaluation,
    LatestStatusCount,
    RuleEvaluation,
    StatusChange,
    StatusChangeRollup,
)


def register():
    from . import ocsf

    ocsf.register()
    register_app(
        "compliance",
        # Evaluations and everything derived from them: the ingest service writes one entry
        # per batch with its counts instead of one per row.
        exclude=(
            ControlRevision,  # the seeder's own history, summarised in its one "seeded" entry
            RuleEvaluation,
            LatestEvaluation,
            EvaluationRollup,
            LatestStatusCount,
            StatusChange,
            StatusChangeRollup,
        ),
        options={
            Framework: ModelOptions(impacts={"delete": HIGH}),
            ComplianceRule: ModelOptions(impacts={"update": MEDIUM, "delete": HIGH}),
            Control: ModelOptions(impacts={"delete": MEDIUM}),
            # The storage name is internal; the sha256 and size say what was stored.
            Evidence: ModelOptions(exclude_fields=("file",), impacts={"create": LOW, "delete": HIGH}),
        },
    )
    register_actions(
        {
            "evaluations_recorded": LOW,
            "seeded": LOW,
            "oscal_catalog_imported": LOW,
            "oscal_profile_imported": LOW,
            "oscal_catalog_exported": LOW,
            "oscal_assessment_results_exported": LOW,
            "evidence_versioned": MEDIUM,
            "evidence_downloaded": MEDIUM,
        }
    )
