"""What the systems app asks the audit trail to record (connected in SystemsConfig.ready)."""

from audit.impact import LOW, MEDIUM, register_actions
from audit.registry import ModelOptions, register_app

from .models import System


def register():
    register_app("systems", options={System: ModelOptions(impacts={"delete": MEDIUM})})
    register_actions(
        {
            "oscal_ssp_exported": LOW,
            "oscal_ssp_imported": LOW,
            "oscal_assessment_plan_exported": LOW,
            "oscal_poam_exported": LOW,
            "oscal_component_definition_imported": LOW,
            "oscal_component_definition_exported": LOW,
            "ksi_validation_recorded": LOW,
            "ksi_validation_overdue": MEDIUM,
        }
    )
