# Production-like image of the portal: one image for web (gunicorn + whitenoise), Celery worker,
# Celery beat and the migrate step (see docker-compose.yml). Everything else comes from the
# environment (portal/settings/production.py).
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production \
    MEDIA_ROOT=/data/media

# WeasyPrint's libraries (libharfbuzz-subset0: PDFs 3 to 5 times faster), fonts of the letters,
# libmagic for file-type checks on content; for paper letters (courrier), LibreOffice without its
# GUI (Word, Excel, PowerPoint and OpenDocument files to PDF) and Tesseract with its French data
# (addresses of scanned pages).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 libmagic1 \
        fonts-dejavu-core fonts-liberation \
        libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui \
        tesseract-ocr tesseract-ocr-fra \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 portal

WORKDIR /app

# The pinned versions of `make install`, without the test tools (pytest, Playwright, ruff, moto's S3
# server and what only it needs).
COPY requirements.txt ./
RUN grep -v -E '^(pytest|pytest-django|pytest-xdist|hypothesis|playwright|greenlet|ruff|execnet|iniconfig|pluggy|sortedcontainers|moto|Flask|flask-cors|Werkzeug|Jinja2|MarkupSafe|itsdangerous|blinker|responses|xmltodict|py-partiql-parser|cryptography)==' \
        requirements.txt > /tmp/requirements-runtime.txt \
    && pip install -r /tmp/requirements-runtime.txt \
    && python -c "import weasyprint.text.ffi as f; assert f.harfbuzz_subset is not None, 'libharfbuzz-subset0 manque'" \
    && soffice --version && tesseract --list-langs | grep -qx fra

COPY . .

# Static files are collected at build time (whitenoise serves them, compressed, with hashes).
RUN SECRET_KEY=collectstatic-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
        ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
    && mkdir -p /data/media \
    && chown -R portal:portal /app/var /data

USER portal
EXPOSE 8000
# No gunicorn access log: the portal logs one JSON line per request (PORTAL_ACCESS_LOG).
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
