from datetime import timedelta

import factory
from django.utils import timezone

from compliance.tests.factories import FrameworkFactory
from engagements.models import Engagement


class EngagementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Engagement
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"SOC 2 Type II {n}")
    framework = factory.SubFactory(FrameworkFactory)
    period_start = factory.LazyFunction(lambda: timezone.now().date() - timedelta(days=60))
    period_end = factory.LazyFunction(lambda: timezone.now().date())
    status = "fieldwork"

    @factory.post_generation
    def auditors(self, create, extracted, **kwargs):
        if create and extracted:
            self.auditors.set(extracted)
