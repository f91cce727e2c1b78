"""The chatbot's staff pages, mounted by the platform at /chatbot/ behind the entitlement gate."""

from django.urls import path

from services.chatbot import views, views_inbox, views_learning

app_name = "chatbot"

urlpatterns = [
    path("", views.entry_list, name="entries"),
    path("entries/new/", views.entry_edit, name="entry-new"),
    path("entries/<int:entry_id>/", views.entry_edit, name="entry"),
    path("entries/<int:entry_id>/delete/", views.entry_delete, name="entry-delete"),
    path("entries/<int:entry_id>/restore/", views.entry_restore, name="entry-restore"),
    path("recycle-bin/", views.trash, name="trash"),
    path("entries/<int:entry_id>/merge/", views_learning.entry_merge, name="entry-merge"),
    path("entries/<int:entry_id>/keep-apart/", views_learning.entry_keep_apart, name="entry-keep-apart"),
    path("variants/add/", views_learning.variant_add, name="variant-add"),
    path("import/", views.entry_import, name="import"),
    path("import/starter/", views.starter_import, name="import-starter"),
    path("export.<str:fmt>", views.entry_export, name="export"),
    path("settings/", views.chatbot_settings, name="settings"),
    path("settings/topics/<int:topic_id>/delete/", views.topic_delete, name="topic-delete"),
    path("inbox/", views_inbox.case_list, name="inbox"),
    path("inbox/<int:case_id>/", views_inbox.case_detail, name="case"),
    path("inbox/<int:case_id>/entry/", views_inbox.case_to_entry, name="case-entry"),
    path("inbox/<int:case_id>/close/", views_inbox.case_close, name="case-close"),
    path("analytics/", views_inbox.analytics, name="analytics"),
    path("demo/", views_inbox.demo, name="demo"),
]
