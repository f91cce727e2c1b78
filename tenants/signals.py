"""Signals through which other apps react to a town's life, so tenants never import them."""

from django.dispatch import Signal

# Sent inside the offboarding transaction with ``town`` and ``actor``. A receiver ends what the town
# had in its app (the catalogue: subscriptions) and may return a dict of counts, which the
# ``tenants.town.offboarded`` audit entry records.
town_offboarding = Signal()

# Sent inside the onboarding transaction with ``town`` and ``actor`` once the town's schema exists. Receivers
# give the new town what it starts with (the catalogue: each service's defaults); an exception takes the
# whole onboarding back.
town_onboarded = Signal()
