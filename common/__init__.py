"""The floor of the house: what every app stands on, knowing none of them.

API base classes, pagination, filtering, permissions, error handling, the built-in roles,
admin mixins, queueing and the test helpers' base classes. Nothing here imports an app
of this project (an import-linter contract in pyproject.toml fails CI if one does); apps
hook in through the signals in `common.signals` and their own AppConfig.ready().
"""
