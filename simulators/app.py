"""`create_app(settings)`: one Flask app mounting the enabled actors, the control API and session routing."""
from __future__ import annotations

import importlib

from flask import Flask, jsonify

from simulators.runtime import Runtime
from simulators.sessions import SessionMiddleware
from simulators.settings import Settings, load_settings
from simulators.store import Store

# Registry of actors: name -> "module:blueprint". Each actor is one blueprint (or a TCP server elsewhere).
ACTOR_BLUEPRINTS: dict[str, str] = {
    "annuaire": "simulators.annuaire.service:bp",
    "amc": "simulators.amc.service:bp",
    "amo": "simulators.amo.service:bp",
    "diapason": "simulators.diapason.service:bp",
}


def _blueprint(spec: str):
    module_name, _, attribute = spec.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask("simphonie")
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = True
    runtime = Runtime(settings, store or Store(settings.db_path, default_seed=settings.seed))
    app.extensions["simphonie"] = runtime

    from simulators.control import bp as control_bp

    app.register_blueprint(control_bp)
    for actor in settings.actors:
        if actor not in ACTOR_BLUEPRINTS:
            continue  # actors served by their own process (terminal, acquirer) or not built yet
        app.register_blueprint(_blueprint(ACTOR_BLUEPRINTS[actor]))

    @app.get("/")
    def index():
        return jsonify({
            "bench": "simphonie-bench",
            "profile": settings.profile,
            "actors": list(settings.actors),
            "annuaire": "/annuaire" if "annuaire" in settings.actors else None,
            "control": "/_bench",
            "sessions": "prefix any path with /s/<session>/ or send the X-Bench-Session header",
        })

    @app.errorhandler(404)
    def not_found(error):
        return jsonify({"error": "no such endpoint", "hint": "GET / lists the endpoints"}), 404

    @app.errorhandler(405)
    def not_allowed(error):
        return jsonify({"error": "method not allowed on this endpoint"}), 405

    @app.errorhandler(500)
    def internal(error):  # a bench bug; never leak a traceback
        return jsonify({"error": "internal error of the bench (service.internal_error)"}), 500

    from simulators.tls import ClientCertificateMiddleware

    app.wsgi_app = ClientCertificateMiddleware(  # type: ignore[method-assign]
        SessionMiddleware(app.wsgi_app, header=settings.session_header), enabled=settings.tls
    )
    return app
