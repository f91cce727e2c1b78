from django.urls import path

from catalog.entitlement import require_service
from services.chatbot import api, views, views_inbox

app_name = "chatbot"
# Every page and endpoint answers only for towns with an active chatbot subscription.
entitled = require_service("chatbot")

urlpatterns = [
    path("", entitled(views.entry_list), name="entries"),
    path("entries/new/", entitled(views.entry_edit), name="entry-new"),
    path("entries/<int:entry_id>/", entitled(views.entry_edit), name="entry"),
    path("entries/<int:entry_id>/delete/", entitled(views.entry_delete), name="entry-delete"),
    path("import/", entitled(views.entry_import), name="import"),
    path("export.<str:fmt>", entitled(views.entry_export), name="export"),
    path("settings/", entitled(views.chatbot_settings), name="settings"),
    path("settings/topics/<int:topic_id>/delete/", entitled(views.topic_delete), name="topic-delete"),
    path("inbox/", entitled(views_inbox.case_list), name="inbox"),
    path("inbox/<int:case_id>/", entitled(views_inbox.case_detail), name="case"),
    path("inbox/<int:case_id>/entry/", entitled(views_inbox.case_to_entry), name="case-entry"),
    path("inbox/<int:case_id>/close/", entitled(views_inbox.case_close), name="case-close"),
    path("analytics/", entitled(views_inbox.analytics), name="analytics"),
    path("demo/", entitled(views_inbox.demo), name="demo"),
]

api_urlpatterns = ([
    path("ask", entitled(api.AskView).as_view(), name="ask"),
    path("rate", entitled(api.RateView).as_view(), name="rate"),
    path("escalate", entitled(api.EscalateView).as_view(), name="escalate"),
    path("conversations/<str:token>", entitled(api.ConversationView).as_view(), name="conversation"),
], "chatbot-api")
