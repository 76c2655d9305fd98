"""Every router of every app × every built-in role (and a user with none), against one
hand-written table of who may list and who may create. A new router must join the table.

Creating is probed with an empty body: a role allowed to create gets a 400 naming the
missing fields (nothing is written), a role that is not gets a 403. An endpoint that takes
no creates answers 405 to the roles whose permissions pass (the model's add permission,
where the endpoint checks one) and 403 to the others.
"""

import importlib

import pytest
from rest_framework.test import APIClient

from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from compliance.tests.factories import UserFactory
from conftest import token_for

ADMIN, MANAGER, NO_ROLE = COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, "(no role)"
ROLES = (ADMIN, MANAGER, AUDITOR, VIEWER, NO_ROLE)
READERS = {ADMIN, MANAGER, AUDITOR, VIEWER}
EDITORS = {ADMIN, MANAGER}
SIGNED_IN = set(ROLES)
AUDIT_READERS = {ADMIN, MANAGER, AUDITOR}
NOBODY = set()


class NoCreates(frozenset):
    """The endpoint takes no creates; these roles pass its permission check and get 405."""


# prefix -> (who may list, who may create, or NoCreates(...))
TABLE = {
    "frameworks": (READERS, EDITORS),
    "controls": (READERS, EDITORS),
    "control-mappings": (READERS, EDITORS),
    "rules": (READERS, EDITORS),
    "data-sources": (READERS, EDITORS),
    "evaluations": (READERS, EDITORS),
    "findings": (READERS, NoCreates(EDITORS)),
    "evidence": (READERS, EDITORS),  # each item's access level decides what a reader sees
    "engagements": (AUDIT_READERS, EDITORS),  # an auditor lists the ones they are on
    "oscal/profiles": (READERS, EDITORS),
    "systems": (READERS, EDITORS),
    "oscal/component-definitions": (READERS, EDITORS),
    "report-templates": (READERS, EDITORS),
    "reports": (SIGNED_IN, EDITORS),  # reading needs a sign-in only: each report's access level decides
    "report-schedules": (READERS, EDITORS),
    "workflow-templates": (READERS, EDITORS),
    "workflows": (READERS, EDITORS),
    "workflow-triggers": (READERS, EDITORS),
    "notifications": (SIGNED_IN, NoCreates(SIGNED_IN)),  # each user's own
    "integrations": (READERS, {ADMIN}),
    "audit-logs": (AUDIT_READERS, NoCreates()),  # append-only: nobody holds its add permission
    "audit-logs/checkpoints": (AUDIT_READERS, NoCreates()),  # signed by the task alone
    "audit-logs/proofs": (AUDIT_READERS, NoCreates(AUDIT_READERS)),
    "auth/tokens": (SIGNED_IN, SIGNED_IN),
    "webhooks": ({ADMIN, AUDITOR}, {ADMIN}),  # the secret is write-only  # each user's own tokens
}
ROUTER_MODULES = (
    "compliance.api.urls",
    "reports.api.urls",
    "workflows.api.urls",
    "integrations.api.urls",
    "audit.api.urls",
    "engagements.api.urls",
    "systems.api.urls",
    "webhooks.api.urls",
    "compliance_site.urls",
)


def registered_prefixes():
    prefixes = set()
    for name in ROUTER_MODULES:
        module = importlib.import_module(name)
        for router in (getattr(module, "router", None), getattr(module, "token_router", None)):
            if router is not None:
                prefixes |= {prefix for prefix, _, _ in router.registry}
    return prefixes


def test_every_router_of_every_app_is_in_the_table():
    assert registered_prefixes() == set(TABLE)


def client_for(role):
    user = UserFactory(
        username=f"matrix-{role}".replace(" ", "-").replace("(", "").replace(")", "").lower(),
        roles=[] if role == NO_ROLE else [role],
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return client


CASES = [(prefix, role) for prefix in TABLE for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize("prefix,role", CASES, ids=[f"{p}-{r}" for p, r in CASES])
def test_matrix(prefix, role):
    listers, creators = TABLE[prefix]
    client = client_for(role)
    url = f"/api/v1/{prefix}/"
    listed = client.get(url)
    assert listed.status_code == (200 if role in listers else 403), (prefix, role, listed.status_code)
    created = client.post(url, {}, format="json")
    if isinstance(creators, NoCreates):
        expected = 405 if role in creators else 403
    else:
        expected = 400 if role in creators else 403
    assert created.status_code == expected, (prefix, role, created.status_code, created.content[:200])
