"""Usage metering, cost pools, allocation keys and cost-sharing reports (planned: issue #6)."""
