"""Schedule expressions and their mirror in django-celery-beat."""
