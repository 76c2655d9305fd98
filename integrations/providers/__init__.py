"""One module per vendor; each registers its Provider with integrations.registry."""
