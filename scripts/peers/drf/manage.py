#!/usr/bin/env python
# Django's entry point (migrate, shell), used by scripts/bench-peers before gunicorn starts.
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
