"""Documents a town keeps on the platform (contracts, DPIAs, service inputs); lives in the town's schema."""
