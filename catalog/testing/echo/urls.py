from django.urls import path

from catalog.testing.echo import views

app_name = "echo"
urlpatterns = [path("", views.echo_page, name="index")]
