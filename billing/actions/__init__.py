"""What can be done in billing: one module per use case. Views, API, tasks and commands call these."""

from billing.actions.finance import (
    enter_cost_pool,
    remove_efficiency_override,
    set_efficiency_override,
    void_usage_event,
)
from billing.actions.periods import (
    BillingError,
    allocation_key,
    compute,
    correct_period,
    from_json,
    key_label,
    key_reason,
    latest_statements,
    price_plan_subscribers,
    record_run_failure,
    request_run,
    run_period,
    service_units,
    subscribers,
    to_json,
)

__all__ = ["BillingError", "allocation_key", "compute", "correct_period", "enter_cost_pool", "from_json", "key_label",
           "key_reason", "latest_statements", "price_plan_subscribers", "record_run_failure",
           "remove_efficiency_override", "request_run", "run_period", "service_units", "set_efficiency_override",
           "subscribers", "to_json", "void_usage_event"]
