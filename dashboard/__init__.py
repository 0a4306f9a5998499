"""The ILM Community Dashboard's top layer: app factory, view registry, API, exports, CLI.

The factory is `dashboard.factory.create_app`; this package file holds no wiring.
"""
