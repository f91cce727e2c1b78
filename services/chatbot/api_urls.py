"""The public chatbot API, mounted by the platform at /api/v1/chatbot/ behind the entitlement gate."""

from django.urls import path

from services.chatbot import api

app_name = "chatbot-api"

urlpatterns = [
    path("ask", api.AskView.as_view(), name="ask"),
    path("rate", api.RateView.as_view(), name="rate"),
    path("escalate", api.EscalateView.as_view(), name="escalate"),
    path("conversations/<str:token>", api.ConversationView.as_view(), name="conversation"),
]
