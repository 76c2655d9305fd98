"""Jira Cloud REST v3: myself, create issue, enhanced JQL search."""

import re

from .server import FakeVendor, Reply, basic_auth


class FakeJira(FakeVendor):
    def __init__(self, *, email="bot@example.com", api_token="jira-token", project="SEC", page_size=2):
        super().__init__()
        self.email, self.api_token, self.project = email, api_token, project
        self.issues = {}  # id -> {"key", "fields", "status", "category"}
        self.page_size = page_size

    def set_status(self, key, name, category):
        for issue in self.issues.values():
            if issue["key"] == key:
                issue["status"], issue["category"] = name, category

    def route(self, request):
        if basic_auth(request) != (self.email, self.api_token):
            return Reply(
                401, {"errorMessages": ["Client must be authenticated to access this resource."], "errors": {}}
            )
        if request.method == "GET" and request.path == "/rest/api/3/myself":
            return Reply(
                200,
                {
                    "accountId": "5b10a2844c20165700ede21g",
                    "displayName": "Compliance Bot",
                    "emailAddress": self.email,
                    "active": True,
                },
            )
        if request.method == "POST" and request.path == "/rest/api/3/issue":
            fields = request.json().get("fields", {})
            errors = {}
            if fields.get("project", {}).get("key") != self.project:
                errors["project"] = "valid project is required"
            description = fields.get("description")
            if not (
                isinstance(description, dict) and description.get("type") == "doc" and description.get("version") == 1
            ):
                errors["description"] = (
                    "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
                )
            if not fields.get("summary"):
                errors["summary"] = "You must specify a summary of the issue."
            if errors:
                return Reply(400, {"errorMessages": [], "errors": errors})
            issue_id = str(10000 + len(self.issues))
            key = f"{self.project}-{len(self.issues) + 1}"
            self.issues[issue_id] = {"key": key, "fields": fields, "status": "To Do", "category": "new"}
            return Reply(201, {"id": issue_id, "key": key, "self": f"{self.url}/rest/api/3/issue/{issue_id}"})
        if request.method == "POST" and request.path == "/rest/api/3/search/jql":
            body = request.json()
            match = re.fullmatch(r"id in \(([\d, ]+)\)", body.get("jql", ""))
            if not match:
                return Reply(400, {"errorMessages": ["Error in the JQL Query."], "errors": {}})
            wanted = [i.strip() for i in match.group(1).split(",")]
            found = [i for i in wanted if i in self.issues]
            start = int(body.get("nextPageToken") or 0)
            size = min(self.page_size, int(body.get("maxResults", 50)))
            page = found[start : start + size]
            result = {
                "issues": [
                    {
                        "id": i,
                        "key": self.issues[i]["key"],
                        "self": f"{self.url}/rest/api/3/issue/{i}",
                        "fields": {
                            "status": {
                                "name": self.issues[i]["status"],
                                "statusCategory": {
                                    "id": 3 if self.issues[i]["category"] == "done" else 2,
                                    "key": self.issues[i]["category"],
                                },
                            }
                        },
                    }
                    for i in page
                ],
                "isLast": start + size >= len(found),
            }
            if start + size < len(found):
                result["nextPageToken"] = str(start + size)
            return Reply(200, result)
        return Reply(404, {"errorMessages": ["Not found"], "errors": {}})
