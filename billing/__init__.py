"""Usage metering, cost pools, allocation keys, billing periods and cost-sharing reports."""
