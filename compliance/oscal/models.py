"""What an OSCAL profile import leaves behind besides its framework: which profile, when."""

from django.db import models

from common.models import TimeStampedModel


class ImportedProfile(TimeStampedModel):
    """One OSCAL profile resolved into a framework; re-importing the same profile updates it."""

    framework = models.OneToOneField("compliance.Framework", on_delete=models.CASCADE, related_name="imported_profile")
    profile_uuid = models.UUIDField(help_text="The profile document's own uuid.")
    title = models.CharField(max_length=300)
    version = models.CharField(max_length=100, blank=True)
    catalog_title = models.CharField(max_length=300, blank=True)
    controls_count = models.PositiveIntegerField(default=0, help_text="Controls and enhancements, not groups.")

    class Meta:
        app_label = "compliance"
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return self.title
