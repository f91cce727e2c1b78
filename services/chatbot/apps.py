from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatbotConfig(AppConfig):
    """Citizen chatbot: FAQ answers from the town's own knowledge base (lives in each town's schema)."""

    name = "services.chatbot"
    label = "chatbot"
    verbose_name = _("Citizen chatbot")

    @property
    def service(self):
        # The registry reads this attribute (catalog.registry.get_all_services).
        from services.chatbot.service import DESCRIPTOR

        return DESCRIPTOR
