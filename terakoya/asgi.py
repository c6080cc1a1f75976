"""ASGI entry point: reserved for websockets (support chat); pages are served through WSGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terakoya.settings")

application = get_asgi_application()
