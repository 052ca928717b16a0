"""`credence serve` and `credence keys`: the HTTP service and who may use it."""

from __future__ import annotations

from typing import Annotated

import typer

from credence.cli.common import JsonFlag, app, credence, emit, out
from credence.service import keys as key_cases
from credence.service import webhooks as webhook_cases

keys_app = typer.Typer(help="API keys: create (the token is shown once), list, revoke.")
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the HTTP API (/v1, docs at /docs) on CREDENCE_DB."""
    import uvicorn

    with credence():  # refuse clearly when the database is not initialised
        pass
    out.print(f"serving credence on http://{host}:{port} (docs at /docs)")
    # By import string, so each worker builds its own application from settings.
    uvicorn.run(
        "credence.web.site:create_site",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_keep_alive=5,
    )


@keys_app.command("create")
def create(
    role: Annotated[str, typer.Option(help="admin, source, reviewer, provider or subject.")],
    name: Annotated[str, typer.Option(help="Who holds the key; shown in the access log.")],
    source: Annotated[str | None, typer.Option(help="The source a source key submits for.")] = None,
    subject: Annotated[str | None, typer.Option(help="The subject a subject key is.")] = None,
    services: Annotated[
        list[str] | None, typer.Option(help="Services a provider key may ask about.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a key and print its bearer token once; only a hash is kept."""
    with credence() as c:
        token, stored = key_cases.create_key(
            c, role=role, name=name, source=source, subject=subject, services=services
        )
    emit(
        as_json,
        {**stored.to_json(), "token": token},
        lambda: out.print(
            f"key {stored.id} for {name} ({role}): {token}\nkeep it now: it is not shown again",
            markup=False,
        ),
    )


@keys_app.command("list")
def list_(as_json: JsonFlag = False) -> None:
    """Every key, without tokens."""
    with credence() as c:
        found = key_cases.list_keys(c)

    def human() -> None:
        for k in found:
            state = f"revoked {k['revoked_at'][:10]}" if k["revoked_at"] else "active"
            out.print(
                f"{k['id']} {k['name']} {k['role']} {k['source'] or ''}"
                f"{k['subject'] or ''} {state}",
                markup=False,
            )

    emit(as_json, {"keys": found}, human)


@keys_app.command("revoke")
def revoke(
    key_id: Annotated[int, typer.Argument(metavar="ID", help="The key's id.")],
    as_json: JsonFlag = False,
) -> None:
    """Revoke a key from now on."""
    with credence() as c:
        found = key_cases.revoke(c, key_id)
    emit(as_json, found, lambda: out.print(f"key {key_id} revoked"))


hooks_app = typer.Typer(help="Webhooks: push notices to subjects' or providers' systems.")
app.add_typer(hooks_app, name="webhooks")


@hooks_app.command("add")
def hooks_add(
    url: Annotated[str, typer.Argument(help="Where to POST each notice (http or https).")],
    subject: Annotated[str | None, typer.Option(help="Follow this subject's notices.")] = None,
    service: Annotated[
        str | None, typer.Option(help="Follow decision changes of a service.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Register a webhook; its signing secret is printed once."""
    with credence() as c:
        found = webhook_cases.add_webhook(c, url, subject=subject, service=service)
    emit(
        as_json,
        found,
        lambda: out.print(
            f"webhook {found['id']} -> {url}; secret {found['secret']} (shown once)", markup=False
        ),
    )


@hooks_app.command("list")
def hooks_list(as_json: JsonFlag = False) -> None:
    """Every webhook and its deliveries by state."""
    with credence() as c:
        found = webhook_cases.webhooks(c)

    def human() -> None:
        for h in found:
            follows = h["subject"] or h["service"]
            out.print(f"{h['id']} {h['url']} {follows} {h['deliveries']}", markup=False)

    emit(as_json, {"webhooks": found}, human)


@hooks_app.command("deliver")
def hooks_deliver(as_json: JsonFlag = False) -> None:
    """Attempt every due delivery once (what `serve` does every few seconds)."""
    with credence() as c:
        report = webhook_cases.deliver(c)
    emit(as_json, report.to_json(), lambda: out.print(str(report.to_json()), markup=False))
