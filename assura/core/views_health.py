"""Liveness and readiness probes for load balancers and orchestrators."""

from django.db import connection
from django.http import JsonResponse
from kombu import Connection


def healthz(request):
    return JsonResponse({"status": "ok"})


def broker_url() -> str:
    from config.celery import app

    return app.conf.broker_write_url


def readyz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        checks["database"] = f"error: {exc.__class__.__name__}"
    url = broker_url()
    try:
        from config.celery import app

        with Connection(url, transport_options=app.conf.broker_transport_options) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = f"error: {exc.__class__.__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks, "broker": url.split("://")[0]},
        status=200 if ready else 503,
    )
