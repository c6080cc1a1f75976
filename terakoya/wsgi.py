"""WSGI entry point: production serves pages with gunicorn (see docs/operations.md)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terakoya.settings")

application = get_wsgi_application()
