"""Pages of the résiliation app, one module per sub-topic."""
