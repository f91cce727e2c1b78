"""The road service's staff pages, mounted by the platform at /roads/ behind the entitlement gate."""

from django.urls import path

from services.roads import views

app_name = "roads"

urlpatterns = [
    path("", views.overview, name="index"),
    path("network/", views.network, name="network"),
    path("captures/", views.captures, name="captures"),
    path("captures/<int:capture_id>/image.jpg", views.capture_image, name="capture-image"),
    path("captures/<int:capture_id>/review/", views.capture_review, name="capture-review"),
    path("detections/", views.detections, name="detections"),
    path("detections/import/", views.detections_import, name="detections-import"),
    path("detections/<int:detection_id>/decide/", views.detection_decide, name="decide"),
    path("work-orders/", views.work_orders, name="work-orders"),
    path("work-orders/<int:number>/close/", views.work_order_close, name="work-order-close"),
    path("plans/", views.plans, name="plans"),
    path("export/<str:layer>.<str:fmt>", views.export, name="export"),
    path("report.pdf", views.report_pdf, name="report"),
]
