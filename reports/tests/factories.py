import factory

from compliance.tests.factories import UserFactory  # noqa: F401  (re-exported for report tests)
from reports.catalog import DEFAULT_SECTIONS
from reports.models import Report, ReportSchedule, ReportTemplate


class ReportTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    slug = factory.Sequence(lambda n: f"template-{n}")
    report_type = "compliance_status"
    sections = factory.LazyAttribute(lambda t: DEFAULT_SECTIONS[t.report_type])


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    name = factory.Sequence(lambda n: f"Report {n}")
    report_type = "compliance_status"
    access_level = "public"
    file_format = "pdf"
    parameters = factory.LazyFunction(lambda: {"period_days": 30, "include_passed": False, "max_rows": 500})


class ReportScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportSchedule

    template = factory.SubFactory(ReportTemplateFactory)
    name = factory.Sequence(lambda n: f"Schedule {n}")
    cron = "0 6 * * *"
