"""Pages of the feedback service, mounted by the platform at /feedback/ on the town host
(every route gated by the town's subscription at the mount point)."""

from django.urls import path

from services.feedback import public, views

app_name = "feedback"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.project_detail, name="project"),
    path("<slug:slug>/status/", views.run_status, name="run-status"),
    path("<slug:slug>/analyse/", views.analyse, name="analyse"),
    path("<slug:slug>/import/", views.import_file, name="import"),
    path("<slug:slug>/contributions/", views.contributions, name="contributions"),
    path("<slug:slug>/contributions/<int:contribution_id>/decide/", views.decide, name="decide"),
    path("<slug:slug>/topics/new/", views.topic_create, name="topic-new"),
    path("<slug:slug>/topics/<int:topic_id>/", views.topic_action, name="topic"),
    path("<slug:slug>/decisions/", views.decisions, name="decisions"),
    path("<slug:slug>/map/", views.map_view, name="map"),
    path("<slug:slug>/timeline/", views.timeline, name="timeline"),
    path("<slug:slug>/export.<str:fmt>", views.export, name="export"),
    path("<slug:slug>/report.<str:fmt>", views.council_report, name="report"),
    path("<slug:slug>/participate/", public.submission_form, name="public-form"),
]
