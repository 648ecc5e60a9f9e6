#!/usr/bin/env python
"""The developers' command line: dev settings unless DJANGO_SETTINGS_MODULE says otherwise.

Servers set DJANGO_SETTINGS_MODULE=portal.settings.production in their environment (the
Dockerfile does); the server entry points themselves (portal.wsgi, portal.celery) default to
production. Commands that must not run on a server refuse by themselves (seed_demo).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
