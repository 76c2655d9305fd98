"""OSCAL documents of a system's lifecycle: SSP, component definitions, assessment plan, POA&M.

Each export is built from live data as plain dicts, validated with compliance-trestle's
models (compliance.oscal.common.validate) before it is returned, and carries UUIDs derived
from the identity of what they describe (uuid5), so two exports differ only where the data did.
"""
