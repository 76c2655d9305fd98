"""What the load test sends: the mixed traffic of compliance staff and API clients, and the
hand-written floor it is compared with."""

import random
from datetime import UTC, datetime, timedelta

import requests


class Traffic:
    """One signed-in browser session and two API tokens, picking requests by weight."""

    def __init__(self, base, tokens, ids, password):
        self.base = base
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Token {tokens['load-manager']}"
        self.auditor = requests.Session()
        self.auditor.headers["Authorization"] = f"Token {tokens['load-auditor']}"
        self.pages = requests.Session()
        self.pages.get(f"{base}/dashboard/login/")
        self.pages.post(
            f"{base}/dashboard/login/",
            data={
                "username": "load-manager",
                "password": password,
                "csrfmiddlewaretoken": self.pages.cookies.get("csrftoken"),
            },
            headers={"Referer": f"{base}/dashboard/login/"},
        )
        self.ids = ids
        base = self.base
        self.mixed = [
            (20, "read", "page /dashboard/", lambda: self.pages.get(f"{base}/dashboard/")),
            (6, "read", "page /dashboard/findings/", lambda: self.pages.get(f"{base}/dashboard/findings/")),
            (10, "read", "GET rules", lambda: self.api.get(f"{base}/api/v1/rules/")),
            (10, "read", "GET findings", lambda: self.api.get(f"{base}/api/v1/findings/?status=open")),
            (10, "read", "GET evaluations", lambda: self.api.get(f"{base}/api/v1/evaluations/")),
            (5, "read", "GET data-sources", lambda: self.api.get(f"{base}/api/v1/data-sources/")),
            (8, "read", "GET analytics/dashboard", lambda: self.api.get(f"{base}/api/v1/analytics/dashboard/")),
            (5, "read", "GET analytics/trends", lambda: self.api.get(f"{base}/api/v1/analytics/trends/?days=90")),
            (8, "read", "GET audit-logs", lambda: self.auditor.get(f"{base}/api/v1/audit-logs/")),
            (6, "write", "POST evaluations/bulk (100)", self.bulk),
            (2, "write", "POST reports/{id}/generate", self.generate),
        ]
        # The floor: the least a JSON list endpoint can do for the same rows (bench/floors.py),
        # authenticated by the same token, behind the same middleware.
        self.floor = [
            (1, "read", "floor evaluations", lambda: self.api.get(f"{base}/bench/floor/evaluations/")),
        ]
        self.evaluations_only = [
            (1, "read", "GET evaluations", lambda: self.api.get(f"{base}/api/v1/evaluations/")),
        ]

    def pick(self, mix):
        choices = getattr(self, mix)
        return random.choices(choices, weights=[c[0] for c in choices])[0][1:]

    def bulk(self):
        now = datetime.now(UTC)
        rows = [
            {
                "rule": random.choice(self.ids["rules"]),
                "data_source": random.choice(self.ids["sources"]),
                "status": random.choice(["passed", "passed", "passed", "failed"]),
                "evaluated_at": (now - timedelta(seconds=random.randint(0, 60))).isoformat(),
            }
            for _ in range(100)
        ]
        return self.api.post(f"{self.base}/api/v1/evaluations/bulk/", json={"evaluations": rows})

    def generate(self):
        created = self.api.post(
            f"{self.base}/api/v1/reports/",
            json={
                "name": "Load test report",
                "report_type": "compliance_status",
                "file_format": "json",
                "access_level": "internal",
            },
        )
        if created.status_code != 201:
            return created
        return self.api.post(f"{self.base}/api/v1/reports/{created.json()['id']}/generate/")
