"""WSGI entry point for any WSGI server (pledgedesk serve runs gunicorn on it)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledgedesk.project.settings")
application = get_wsgi_application()
