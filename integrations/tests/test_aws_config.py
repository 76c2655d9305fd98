"""AWS Config through boto3, checked by botocore's Stubber against the real service model."""

from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from compliance.models import RuleEvaluation
from integrations import registry, services
from integrations.providers.base import AuthenticationFailed

from .factories import make_integration

pytestmark = pytest.mark.django_db


def result(rule, resource, compliance, second):
    at = datetime(2026, 1, 3, 12, 0, second, tzinfo=UTC)
    return {
        "EvaluationResultIdentifier": {
            "EvaluationResultQualifier": {
                "ConfigRuleName": rule,
                "ResourceType": "AWS::S3::Bucket",
                "ResourceId": resource,
                "EvaluationMode": "DETECTIVE",
            },
            "OrderingTimestamp": at,
        },
        "ComplianceType": compliance,
        "ResultRecordedTime": at,
        "ConfigRuleInvokedTime": at,
        "Annotation": "checked",
    }


@pytest.fixture
def aws(rule):
    integration = make_integration(
        "aws_config",
        config={"region": "eu-west-1", "page_size": 2, "rule_mapping": {"s3-bucket-ssl-requests-only": rule.pk}},
        credentials={"access_key_id": "AKIAEXAMPLEKEY123456", "secret_access_key": "aws-secret-value"},
    )
    provider = registry.get("aws_config")
    client = provider.client(config=integration.config, credentials=integration.credentials)
    return integration, client, Stubber(client.boto)


def test_pulls_rules_and_paginated_compliance_details(aws, rule):
    integration, client, stubber = aws
    stubber.add_response(
        "describe_config_rules",
        {
            "ConfigRules": [{"ConfigRuleName": "s3-bucket-ssl-requests-only", "Source": {"Owner": "AWS"}}],
            "NextToken": "t1",
        },
        {},
    )
    stubber.add_response(
        "describe_config_rules",
        {"ConfigRules": [{"ConfigRuleName": "unmapped-rule", "Source": {"Owner": "AWS"}}]},
        {"NextToken": "t1"},
    )
    types = ["COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"]
    stubber.add_response(
        "get_compliance_details_by_config_rule",
        {
            "EvaluationResults": [
                result("s3-bucket-ssl-requests-only", "logs", "COMPLIANT", 1),
                result("s3-bucket-ssl-requests-only", "data", "NON_COMPLIANT", 2),
            ],
            "NextToken": "p2",
        },
        {"ConfigRuleName": "s3-bucket-ssl-requests-only", "ComplianceTypes": types, "Limit": 2},
    )
    stubber.add_response(
        "get_compliance_details_by_config_rule",
        {
            "EvaluationResults": [
                result("s3-bucket-ssl-requests-only", "web", "NOT_APPLICABLE", 3),
                result("s3-bucket-ssl-requests-only", "tmp", "INSUFFICIENT_DATA", 4),
            ]
        },
        {"ConfigRuleName": "s3-bucket-ssl-requests-only", "ComplianceTypes": types, "Limit": 2, "NextToken": "p2"},
    )
    stubber.add_response(
        "get_compliance_details_by_config_rule",
        {"EvaluationResults": [result("unmapped-rule", "logs", "NON_COMPLIANT", 5)]},
        {"ConfigRuleName": "unmapped-rule", "ComplianceTypes": types, "Limit": 2},
    )
    with stubber:
        log = services.run_sync(integration_id=integration.pk, client=client)
        stubber.assert_no_pending_responses()
    assert log.status == "partial", log.error
    assert (log.fetched, log.created, log.failed) == (5, 4, 1)
    by_resource = dict(RuleEvaluation.objects.values_list("data_source__name", "status"))
    assert by_resource == {
        "aws_config: AWS::S3::Bucket/logs": "passed",
        "aws_config: AWS::S3::Bucket/data": "failed",
        "aws_config: AWS::S3::Bucket/web": "not_applicable",
        "aws_config: AWS::S3::Bucket/tmp": "error",
    }


def test_access_denied_is_an_authentication_failure_not_retried(aws):
    _integration, client, stubber = aws
    stubber.add_client_error(
        "describe_config_rules",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized",
        http_status_code=400,
    )
    with stubber:
        with pytest.raises(AuthenticationFailed, match="AccessDeniedException"):
            registry.get("aws_config").test_connection(client)
        stubber.assert_no_pending_responses()


def test_endpoint_url_is_checked_like_every_other_url(settings, rule):
    settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(Exception, match="refused"):
        make_integration(
            "aws_config",
            config={"region": "eu-west-1", "endpoint_url": "http://169.254.169.254/"},
            credentials={"access_key_id": "AKIAEXAMPLEKEY123456", "secret_access_key": "s" * 20},
        )
