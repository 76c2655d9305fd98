"""Declarative API tests (docs/architecture.md): a resource declares its model and data; this runs the rest.

A concrete class sets:
    base_url      "/api/v1/rules/"
    model         the Django model
    lookup        attribute used in detail URLs (default "pk")
    make()        creates one object, returns it
    create_data() dict for POST (None: the resource is not creatable)
    update_data   dict for PATCH (None: not updatable)
    deletable     whether DELETE is offered
    write_role    a role allowed to write; read_only_role a role that may read but not write
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..roles import COMPLIANCE_MANAGER, VIEWER


@pytest.mark.django_db
class APIResourceTests:
    base_url = None
    model = None
    lookup = "pk"
    update_data = None
    deletable = True
    write_role = COMPLIANCE_MANAGER
    read_only_role = VIEWER
    paginated = True

    def make(self):
        raise NotImplementedError

    def create_data(self):
        return None

    def detail_url(self, obj):
        return f"{self.base_url}{getattr(obj, self.lookup)}/"

    def results(self, response):
        return response.json()["results"] if self.paginated else response.json()

    def assert_audited(self, response, client, action, pk):
        """The write left an audit entry naming the acting user and the request's id.

        The floor knows no audit trail: audit.testing.AuditedResourceTests provides this.
        """
        raise NotImplementedError("derive the test class from audit.testing.AuditedResourceTests")

    # --- reads --------------------------------------------------------------------------
    def test_list(self, client_as):
        objs = [self.make() for _ in range(3)]
        response = client_as(self.read_only_role).get(self.base_url)
        assert response.status_code == 200, response.content
        ids = {row["id"] for row in self.results(response)}
        assert {obj.pk for obj in objs} <= ids

    def test_retrieve(self, client_as):
        obj = self.make()
        response = client_as(self.read_only_role).get(self.detail_url(obj))
        assert response.status_code == 200, response.content
        assert response.json()["id"] == obj.pk

    def test_unknown_id_is_404(self, client_as):
        response = client_as(self.read_only_role).get(f"{self.base_url}999999999/")
        assert response.status_code == 404

    def test_anonymous_gets_401(self, api_client):
        self.make()
        response = api_client.get(self.base_url)
        assert response.status_code == 401
        assert "results" not in response.json()

    def test_list_query_count_does_not_grow_with_rows(self, client_as):
        client = client_as(self.read_only_role)
        for _ in range(3):
            self.make()
        client.get(self.base_url)  # warm caches (content types, permissions)
        with CaptureQueriesContext(connection) as three:
            assert client.get(self.base_url).status_code == 200
        for _ in range(3):
            self.make()
        with CaptureQueriesContext(connection) as six:
            assert client.get(self.base_url).status_code == 200
        assert len(six) == len(three), [q["sql"] for q in six.captured_queries]
        assert len(three) <= self.max_list_queries, [q["sql"] for q in three.captured_queries]

    max_list_queries = 6

    # --- writes -------------------------------------------------------------------------
    def test_create(self, client_as):
        data = self.create_data()
        if data is None:
            pytest.skip("not creatable through this endpoint")
        before = self.model.objects.count()
        client = client_as(self.write_role)
        response = client.post(self.base_url, data, format="json")
        assert response.status_code == 201, response.content
        assert self.model.objects.count() == before + 1
        self.assert_audited(response, client, "create", response.json()["id"])

    def test_create_denied_for_read_only_role(self, client_as):
        data = self.create_data()
        if data is None:
            pytest.skip("not creatable through this endpoint")
        before = self.model.objects.count()
        response = client_as(self.read_only_role).post(self.base_url, data, format="json")
        assert response.status_code == 403
        assert self.model.objects.count() == before

    def test_create_rejects_malformed_json(self, client_as):
        if self.create_data() is None:
            pytest.skip("not creatable through this endpoint")
        response = client_as(self.write_role).post(self.base_url, "{not json", content_type="application/json")
        assert response.status_code == 400
        assert "detail" in response.json()

    def test_create_rejects_wrong_types(self, client_as):
        data = self.create_data()
        if data is None:
            pytest.skip("not creatable through this endpoint")
        bad = {key: {"nested": ["object"]} for key in data}
        before = self.model.objects.count()
        response = client_as(self.write_role).post(self.base_url, bad, format="json")
        assert response.status_code == 400, response.content
        assert self.model.objects.count() == before

    def test_update(self, client_as):
        if self.update_data is None:
            pytest.skip("not updatable")
        obj = self.make()
        client = client_as(self.write_role)
        response = client.patch(self.detail_url(obj), self.update_data, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        for key, value in self.update_data.items():
            assert body[key] == value
        self.assert_audited(response, client, "update", obj.pk)

    def test_update_denied_for_read_only_role(self, client_as):
        if self.update_data is None:
            pytest.skip("not updatable")
        obj = self.make()
        response = client_as(self.read_only_role).patch(self.detail_url(obj), self.update_data, format="json")
        assert response.status_code == 403

    def test_delete(self, client_as):
        if not self.deletable:
            pytest.skip("not deletable")
        obj = self.make()
        client = client_as(self.write_role)
        response = client.delete(self.detail_url(obj))
        assert response.status_code == 204, response.content
        assert not self.model.objects.filter(pk=obj.pk).exists()
        self.assert_audited(response, client, "delete", obj.pk)

    def test_delete_denied_for_read_only_role(self, client_as):
        if not self.deletable:
            pytest.skip("not deletable")
        obj = self.make()
        response = client_as(self.read_only_role).delete(self.detail_url(obj))
        assert response.status_code == 403
        assert self.model.objects.filter(pk=obj.pk).exists()
