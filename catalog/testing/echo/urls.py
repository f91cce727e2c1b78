from django.urls import path

from catalog.testing.echo import views

urlpatterns = [path("", views.echo_page, name="echo")]
