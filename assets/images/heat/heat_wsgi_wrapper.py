"""WSGI entry point for heat-api under gunicorn's eventlet worker (hotstack-os).

Heat's RPC client and keystone middleware expect a green environment: patch
the standard library before anything else is imported. heat's application
factory parses sys.argv with oslo.config, which under gunicorn holds
gunicorn's options, so it gets a bare program name.
"""
import eventlet

eventlet.monkey_patch()

import sys  # noqa: E402

sys.argv = ["heat-api"]

from heat.wsgi.api import application  # noqa: E402,F401
