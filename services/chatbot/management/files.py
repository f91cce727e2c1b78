"""What the chatbot's file commands share: the town by its AGS and the rows of a knowledge-base file."""

from pathlib import Path

from django.core.management.base import CommandError

from services.chatbot import formats
from tenants.models import Town


def town_and_rows(ags: str, path: Path) -> tuple[Town, list[dict]]:
    town = Town.objects.filter(ags=ags).first()
    if town is None:
        raise CommandError(f"No town with AGS {ags}")
    if not path.is_file():
        raise CommandError(f"No such file: {path}")
    try:
        return town, formats.read_rows(path.read_bytes(), path.name)
    except formats.FileFormatError as error:
        raise CommandError(str(error)) from None
