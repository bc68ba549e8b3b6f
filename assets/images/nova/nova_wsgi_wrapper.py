"""WSGI entry point for the nova compute API under gunicorn's eventlet worker
(hotstack-os).

nova expects a green environment: patch the standard library before anything
else is imported. nova's application factory parses sys.argv with
oslo.config, which under gunicorn holds gunicorn's options, so it gets a bare
program name. Config files: OS_NOVA_CONFIG_DIR (default /etc/nova), files
api-paste.ini and nova.conf.
"""
import eventlet

eventlet.monkey_patch()

import sys  # noqa: E402

sys.argv = ["nova-api"]

from nova.wsgi.osapi_compute import application  # noqa: E402,F401
