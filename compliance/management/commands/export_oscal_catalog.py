from compliance.oscal.catalog_export import export_catalog

from ._oscal_export import OscalExportCommand


class Command(OscalExportCommand):
    help = "Write a framework as an OSCAL catalog (JSON), validated against the OSCAL schema."
    exporter = export_catalog
    kind = "catalog"
