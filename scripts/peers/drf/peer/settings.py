# DRF + SimpleJWT peer for scripts/bench-peers: production settings (DEBUG off) and only
# what a JWT API needs, so the figure is DRF's and SimpleJWT's, not unused middleware's.
# PEER_DB (the SQLite file) and DJANGO_SECRET_KEY are set by scripts/bench-peers.
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]  # also SimpleJWT's HS256 signing key (its default)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",  # the user model SimpleJWT authenticates against
    "rest_framework",
]
# No session, CSRF or messages middleware: clients send Bearer tokens, not cookies.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "peer.urls"
WSGI_APPLICATION = "peer.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PEER_DB", "peer.db"),
    }
}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# SimpleJWT's documented setup: its authentication class for every view. Left at its
# defaults: HS256, 5-minute access tokens, and a read of the user row on each request
# (JWTAuthentication.get_user), which checks that the account still exists and is active.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
