"""Integrations made through the real service, so validation and encryption always run."""

import itertools

from integrations import services

_names = itertools.count(1)


def make_integration(provider, *, config, credentials=None, frameworks=(), **kwargs):
    return services.create_integration(
        name=kwargs.pop("name", f"{provider} integration {next(_names)}"),
        provider=provider,
        config=config,
        credentials=credentials,
        frameworks=frameworks,
        **kwargs,
    )


def servicenow_integration(fake, **config):
    return make_integration(
        "servicenow",
        config={"instance_url": fake.url, **config},
        credentials={"username": fake.username, "password": fake.password},
    )


def jira_integration(fake, **config):
    return make_integration(
        "jira",
        config={"base_url": fake.url, "project_key": fake.project, **config},
        credentials={"email": fake.email, "api_token": fake.api_token},
    )


def splunk_integration(fake, **config):
    return make_integration("splunk", config={"hec_url": fake.url, **config}, credentials={"hec_token": fake.token})


def azure_integration(fake, **config):
    return make_integration(
        "azure_policy",
        config={
            "tenant_id": fake.tenant,
            "subscription_id": fake.subscription,
            "management_url": fake.url,
            "authority_url": fake.url,
            **config,
        },
        credentials={"client_id": fake.client_id, "client_secret": fake.client_secret},
    )


def gcp_integration(fake, service_account_json, **config):
    return make_integration(
        "gcp_scc",
        config={
            "organization_id": fake.org,
            "api_url": fake.url,
            "token_url": f"{fake.url}/token",
            **config,
        },
        credentials={"service_account_json": service_account_json},
    )
