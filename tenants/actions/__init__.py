"""What can be done to towns. CLI, console and API all call these functions."""

from tenants.actions.address import set_postal_address
from tenants.actions.errors import TownError
from tenants.actions.export import export_town, request_export
from tenants.actions.lifecycle import activate_town, suspend_town
from tenants.actions.offboarding import offboard_town
from tenants.actions.onboarding import TownData, onboard_town

__all__ = ["TownError", "TownData", "onboard_town", "activate_town", "suspend_town", "export_town", "request_export",
           "offboard_town", "set_postal_address"]
