"""WSGI entry point for the nova metadata API under gunicorn's eventlet worker
(hotstack-os). Same rules as nova_wsgi_wrapper: monkey-patch first, then a
bare sys.argv, then import the application.
"""
import eventlet

eventlet.monkey_patch()

import sys  # noqa: E402

sys.argv = ["nova-metadata"]

from nova.wsgi.metadata import application  # noqa: E402,F401
