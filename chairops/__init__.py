"""chairops: on-site chair-massage events."""

from __future__ import annotations

from functools import lru_cache
from inspect import iscoroutinefunction

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings
from . import edge
from .config import ROOT
from .extensions import (
    add_autocommit_twin,
    compress,
    csrf,
    db,
    limiter,
    login_manager,
    migrate,
    ping_after_idle,
    utc_sessions,
)


class Chairops(Flask):
    """Flask, asking once per function whether it is a coroutine function.

    Flask asks `inspect.iscoroutinefunction` of each hook and view on every request (a dozen a
    request, each unwrapping the function anew), and the answer for a function never changes.
    """

    def ensure_sync(self, func):
        try:
            is_async = _is_coroutine_function(func)
        except TypeError:  # an unhashable callable: Flask's own way, each time
            return super().ensure_sync(func)
        return self.async_to_sync(func) if is_async else func


_is_coroutine_function = lru_cache(maxsize=1024)(iscoroutinefunction)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, commands."""
    app = Chairops(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(settings.from_environment())
    app.config.update(config or {})
    settings.check_production(app.config)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    with app.app_context():
        utc_sessions(db.engine)
        ping_after_idle(db.engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])
        add_autocommit_twin(
            db.engine,
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] | {"echo": app.config["SQLALCHEMY_ECHO"]},
            app.config["DB_PING_AFTER_IDLE_SECONDS"],
        )
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    compress.init_app(app)
    edge.init_app(app)  # URL converters first: the blueprints' routes are built with them

    from . import assets, web
    from .accounts.views import bp as accounts_bp
    from .api import line as _line_api  # noqa: F401  (its routes register on api_bp)
    from .api import outcomes as _api_outcomes  # noqa: F401 (its routes join the API blueprint)
    from .api import programmes as _api_programmes  # noqa: F401 (its routes join api_bp)
    from .api.views import bp as api_bp
    from .booking.free_up_views import bp as free_up_bp
    from .booking.views import bp as booking_bp
    from .cli import bp as cli_bp
    from .coordinator.views import bp as coordinator_bp
    from .devserver import bp as dev_cli_bp
    from .events.views import bp as events_bp
    from .messaging import senders
    from .messaging.commands import bp as messaging_cli_bp
    from .messaging.views import bp as outbox_bp
    from .messaging.webhooks import bp as twilio_bp
    from .outcomes.views import bp as outcomes_bp
    from .programmes.views import bp as programmes_bp
    from .screening.views import bp as screening_bp
    from .tablet.views import bp as tablet_bp
    from .team.views import bp as team_bp
    from .waitlist.views import bp as waitlist_bp
    from .walkup.views import bp as walkup_bp

    blueprints = (accounts_bp, events_bp, booking_bp, screening_bp, tablet_bp, api_bp, cli_bp)
    blueprints += (outbox_bp, twilio_bp, messaging_cli_bp)
    blueprints += (coordinator_bp,)
    blueprints += (waitlist_bp,)
    blueprints += (team_bp,)
    blueprints += (dev_cli_bp,)
    blueprints += (outcomes_bp,)
    blueprints += (walkup_bp,)
    blueprints += (free_up_bp,)
    blueprints += (programmes_bp,)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)
    csrf.exempt(twilio_bp)  # signed by Twilio instead
    senders.init_app(app)
    web.init_app(app)
    assets.init_app(app)
    if app.config["DEV_SCHEDULER"]:
        from .clock import start_dev_scheduler

        start_dev_scheduler(app)
    return app
