"""The road service's API, mounted by the platform at /api/v1/roads/ behind the entitlement gate."""

from django.urls import path

from services.roads import api

app_name = "roads-api"

urlpatterns = [
    path("network", api.NetworkView.as_view(), name="network"),
    path("segments", api.SegmentsView.as_view(), name="segments"),
    path("detections", api.DetectionsView.as_view(), name="detections"),
    path("detections/<int:detection_id>/decision", api.DecisionView.as_view(), name="decision"),
    path("captures/<int:capture_id>/damage", api.MarkDamageView.as_view(), name="mark-damage"),
    path("batches", api.BatchesView.as_view(), name="batches"),
    path("batches/<uuid:token>", api.BatchView.as_view(), name="batch"),
    path("batches/<uuid:token>/files", api.BatchFilesView.as_view(), name="batch-files"),
    path("batches/<uuid:token>/close", api.BatchCloseView.as_view(), name="batch-close"),
    path("grade", api.GradeView.as_view(), name="grade"),
    path("jobs/<int:job_id>", api.JobView.as_view(), name="job"),
    path("work-orders", api.WorkOrdersView.as_view(), name="work-orders"),
    path("work-orders/<int:number>/close", api.WorkOrderCloseView.as_view(), name="work-order-close"),
    path("scenarios", api.ScenarioView.as_view(), name="scenarios"),
    path("export", api.ExportView.as_view(), name="export"),
]
