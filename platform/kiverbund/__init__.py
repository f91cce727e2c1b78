"""The KI-Verbund Django project."""

from kiverbund.celery import app as celery_app

__all__ = ["celery_app"]
