"""WSGI entry point for Horizon under gunicorn (hotstack-os).

Horizon's settings keep its collected, compressed static files in STATIC_ROOT
and expect a web server to serve them under STATIC_URL (Debian's Apache
package does). There is no Apache here: WhiteNoise serves them from the same
gunicorn process, everything else goes to Django.
"""
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openstack_dashboard.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from whitenoise import WhiteNoise  # noqa: E402

application = WhiteNoise(get_wsgi_application(), root=settings.STATIC_ROOT, prefix=settings.STATIC_URL)
