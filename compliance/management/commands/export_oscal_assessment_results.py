from compliance.oscal.assessment_results import export_assessment_results

from ._oscal_export import OscalExportCommand


class Command(OscalExportCommand):
    help = (
        "Write OSCAL assessment results (JSON) for the latest evaluations of a framework's "
        "active rules, validated against the OSCAL schema."
    )
    exporter = export_assessment_results
    kind = "assessment_results"
