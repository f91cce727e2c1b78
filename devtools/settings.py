"""Development settings: the production settings (``kiverbund.settings``) on the embedded servers.

``KIVERBUND_PROFILE`` (``demo`` unless set) picks the servers of ``devtools.stack``; a value already in
the environment wins, so an external PostgreSQL, Redis or Keycloak can be used.
"""

import os

from devtools.stack import development_environment, get_profile

PROFILE = get_profile(os.environ.setdefault("KIVERBUND_PROFILE", "demo"))
for _name, _value in development_environment(PROFILE).items():
    os.environ.setdefault(_name, _value)

from kiverbund.settings import *  # noqa: E402,F403
