from django.urls import path

from catalog.testing.echo import views

urlpatterns = [path("", views.EchoAPIView.as_view(), name="echo-api")]
