"""gunicorn's settings for `web: gunicorn wsgi:app` (gunicorn reads ./gunicorn.conf.py itself).

Workers come from WEB_CONCURRENCY as usual; logs go where --access-logfile/--error-logfile say.
"""

import os

from chairops.logredact import RedactingGunicornLogger, rate_limit_warning

# Manage, waitlist, invite and share tokens sit in paths: the access and error logs redact them.
logger_class = RedactingGunicornLogger


def on_starting(server):
    """Say loudly when rate-limit counters would be per worker in production."""
    warning = rate_limit_warning(os.environ, server.cfg.workers)
    if warning:
        banner = "!" * 78
        server.log.error("%s\n%s\n%s", banner, warning, banner)
