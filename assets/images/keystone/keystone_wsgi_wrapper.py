"""WSGI entry point for keystone under gunicorn (hotstack-os).

gunicorn leaves its own command line in sys.argv; keystone's application
factory parses sys.argv with oslo.config and would reject gunicorn's options.
Reset it to a bare program name before importing the application.
"""
import sys

sys.argv = ["keystone"]

from keystone.wsgi.api import application  # noqa: E402,F401
