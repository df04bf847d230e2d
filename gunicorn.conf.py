"""gunicorn reads this file from the folder it starts in (`make serve`, `make load`): each worker begins its start-up
work (content, keyword index, database, embedding model; then the assistant's warm-up) as soon as it has loaded
the app, rather than at its first request, so GET /readyz turns 200 as early as it can (app.services)."""


def post_worker_init(worker) -> None:
    services = getattr(worker.wsgi, "extensions", {}).get("kb")
    if services is not None:
        services.start_serving()
