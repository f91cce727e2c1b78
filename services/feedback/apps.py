from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    """Citizen-feedback analysis: participation contributions, topics, sentiment, human review."""

    name = "services.feedback"
    label = "feedback"
    verbose_name = _("Citizen-feedback analysis")

    @property
    def service(self):
        # The registry reads this attribute (catalog.registry.get_all_services).
        from services.feedback.service import DESCRIPTOR

        return DESCRIPTOR
