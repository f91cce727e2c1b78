"""``manage.py keycloak_theme_jar --output PATH``: the platform's Keycloak themes as a JAR for ``providers/``.

Keycloak loads theme JARs from its ``providers/`` folder (after ``kc.sh build``, or at a start without
``--optimized``); ``bootstrap_realm`` with ``KEYCLOAK_EMAIL_THEME=kiverbund`` then selects the email theme.
The chart's optional ``keycloak.emailTheme`` Job runs this command into the volume Keycloak mounts there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from identity.theme_jar import build_theme_jar


class Command(BaseCommand):
    help = "Write the platform's Keycloak themes (the email theme 'kiverbund') as a theme JAR for Keycloak's providers/."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True,
                            help="Where to write the JAR, e.g. /opt/keycloak/providers/kiverbund-theme.jar "
                                 "(an existing folder: kiverbund-theme.jar inside it).")

    def handle(self, *args, output: str, **options):
        target = Path(output)
        if target.is_dir():
            target = target / "kiverbund-theme.jar"
        if target.suffix != ".jar":
            raise CommandError(f"{target}: the file name must end in .jar (Keycloak loads only JARs from providers/)")
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent}: no such folder")
        try:
            meta = build_theme_jar(target)
        except OSError as error:
            raise CommandError(f"{target}: cannot write the JAR ({error.strerror or error})") from None
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        themes = ", ".join(f"{t['name']} ({'/'.join(t['types'])})" for t in meta["themes"])
        self.stdout.write(f"{target}: {themes}; sha256 {digest}")
