"""Use cases of the feedback service, one module each; every action owns its transaction."""
