from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatbotConfig(AppConfig):
    """Citizen chatbot: FAQ answers from the town's own knowledge base (lives in each town's schema)."""

    name = "services.chatbot"
    label = "chatbot"
    verbose_name = _("Citizen chatbot")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core import embedding
        from services.chatbot import conf

        embedding.configure(query_threads=conf.EMBEDDING_THREADS, batch_threads=conf.BATCH_EMBEDDING_THREADS)

        from services.chatbot import public_config
        from services.chatbot.models import ChatbotSettings, SensitiveTopic

        for model in (ChatbotSettings, SensitiveTopic):
            post_save.connect(public_config.forget, sender=model, dispatch_uid=f"chatbot-config-{model.__name__}")
            post_delete.connect(public_config.forget, sender=model,
                                dispatch_uid=f"chatbot-config-deleted-{model.__name__}")

    @property
    def service(self):
        # The registry reads this attribute (catalog.registry.get_all_services).
        from services.chatbot.service import DESCRIPTOR

        return DESCRIPTOR
