"""WSGI entry point for placement under gunicorn (hotstack-os).

placement's application factory parses sys.argv with oslo.config; under
gunicorn sys.argv holds gunicorn's own options. Give it a bare program name
before the application module is imported.
"""
import sys

sys.argv = ["placement-api"]

from placement.wsgi.api import application  # noqa: E402,F401
