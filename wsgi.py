"""Entry point for gunicorn (``gunicorn wsgi:app``) and ``flask`` commands."""

from emarac import create_app

app = create_app()
