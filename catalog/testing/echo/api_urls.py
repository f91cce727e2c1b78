from django.urls import path

from catalog.testing.echo import views

app_name = "echo-api"
urlpatterns = [path("", views.EchoAPIView.as_view(), name="echo")]
