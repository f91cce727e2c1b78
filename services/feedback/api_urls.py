"""Town API of the feedback service, mounted by the platform at /api/v1/feedback/."""

from django.urls import path

from services.feedback import api

app_name = "feedback-api"

urlpatterns = [
    path("projects", api.ProjectList.as_view(), name="projects"),
    path("projects/<slug:slug>/contributions", api.ContributionList.as_view(), name="contributions"),
    path("projects/<slug:slug>/import", api.ImportView.as_view(), name="import"),
    path("projects/<slug:slug>/export", api.ExportView.as_view(), name="export"),
    path("projects/<slug:slug>/analysis", api.AnalysisView.as_view(), name="analysis"),
    path("projects/<slug:slug>/submit", api.SubmitView.as_view(), name="submit"),
]
