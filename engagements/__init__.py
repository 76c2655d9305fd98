"""The auditor's workspace: engagements over a framework and a period, frozen populations,
reproducible samples, requests for evidence (the PBC list), sign-offs and a verifiable export.

Sits above the feature apps (it reads compliance and the audit trail; it never imports
reports or integrations). Evaluation and audit-log rows are referred to by id only: those
tables may be partitioned by time, which foreign keys would forbid.
"""
