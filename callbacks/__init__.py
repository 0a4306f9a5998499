"""Thin callbacks: parse and validate inputs, ask data_access, build figures.

Each module exposes `register(app, data)`; the plain functions it wraps take a
DataAccess and a Filters and are tested without a browser.
"""
