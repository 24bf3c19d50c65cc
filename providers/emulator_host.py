"""Both emulated APIs and the control API in one ASGI app (``callboard emulator serve``).

Tessitura is mounted at ``/TessituraService``, Prospect2 at ``/api/3`` and the control API at
``/_emulator`` (spec §6). With a data directory the worlds are loaded from it and saved after
every write, which is how ``callboard --sandbox`` keeps its organization between invocations.
"""

from __future__ import annotations

import ipaddress
import logging
import shlex
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from providers.emulator_kit.control import EmulatorControl, FaultSettings
from providers.emulator_kit.persistence import load_json, save_json_atomic
from providers.prospect2.emulator.account_events import fire_csi_webhook, send_campaign
from providers.prospect2.emulator.account_settings import (
    AccountSettingsBody,
    account_settings,
    change_account_settings,
    integrated_permission_type,
)
from providers.prospect2.emulator.app import build_prospect2_app
from providers.prospect2.emulator.data_sync_runs import run_due_data_syncs
from providers.prospect2.emulator.world import Prospect2World
from providers.tessitura.emulator.app import build_tessitura_app
from providers.tessitura.emulator.world import TessituraWorld

log = logging.getLogger(__name__)

TESSITURA_MOUNT = "/TessituraService"
PROSPECT2_MOUNT = "/api/3"
CONTROL_MOUNT = "/_emulator"
DEFAULT_TOKEN = "emulator-token"
DEFAULT_PASSWORD = "emulator"
TESSITURA_USER, TESSITURA_USERGROUP, TESSITURA_LOCATION = "callboard", "admin", "emulator"
PROSPECT2_FILE, TESSITURA_FILE, CONTROL_FILE = "prospect2.json", "tessitura.json", "control.json"


class EmulatorSite:
    """The live worlds and apps of one host; a reset swaps in freshly seeded ones."""

    def __init__(self, *, seed: str, data_dir: str | None, token: str,
                 tessitura_password: str) -> None:
        self.seed = seed
        self.data_dir = Path(data_dir) if data_dir else None
        self.token = token
        self.tessitura_password = tessitura_password
        self.control = EmulatorControl()
        prospect2, tessitura = self._load()
        self._install(prospect2, tessitura)
        if self.data_dir is not None and not (self.data_dir / CONTROL_FILE).exists():
            self.save(prospect2=True, tessitura=True)

    # -- worlds ----------------------------------------------------------------------------
    def _load(self) -> tuple[Prospect2World, TessituraWorld]:
        if self.data_dir is None:
            return Prospect2World.seeded(self.seed), TessituraWorld.seeded(self.seed)
        saved_p2 = load_json(self.data_dir / PROSPECT2_FILE)
        saved_tess = load_json(self.data_dir / TESSITURA_FILE)
        saved_control = load_json(self.data_dir / CONTROL_FILE) or {}
        if saved_control.get("now"):
            self.control.clock.set(datetime.fromisoformat(saved_control["now"]))
        self.seed = saved_control.get("seed", self.seed)
        prospect2 = (Prospect2World.from_dict(saved_p2) if saved_p2 is not None
                     else Prospect2World.seeded(self.seed))
        tessitura = (TessituraWorld.from_dict(saved_tess) if saved_tess is not None
                     else TessituraWorld.seeded(self.seed))
        return prospect2, tessitura

    def _install(self, prospect2: Prospect2World, tessitura: TessituraWorld) -> None:
        self.prospect2_world, self.tessitura_world = prospect2, tessitura
        self.tessitura_app = build_tessitura_app(
            tessitura, self.control, user=TESSITURA_USER, usergroup=TESSITURA_USERGROUP,
            location=TESSITURA_LOCATION, password=self.tessitura_password)
        self.tessitura_client = httpx.AsyncClient(
            transport=httpx.ASGITransport(self.tessitura_app, root_path=TESSITURA_MOUNT),
            base_url=f"http://emulator{TESSITURA_MOUNT}",
            auth=(f"{TESSITURA_USER}:{TESSITURA_USERGROUP}:{TESSITURA_LOCATION}",
                  self.tessitura_password))
        self.prospect2_app = build_prospect2_app(prospect2, self.control, token=self.token,
                                                 tessitura=self.tessitura_client)

    def reset(self, seed: str | None) -> None:
        """Back to the seeded organization (and default faults, clock and statistics)."""
        self.seed = seed or self.seed
        prospect2, tessitura = Prospect2World.seeded(self.seed), TessituraWorld.seeded(self.seed)
        self.control.reset()
        self._install(prospect2, tessitura)
        self.save(prospect2=True, tessitura=True)

    # -- persistence -----------------------------------------------------------------------
    def save(self, *, prospect2: bool, tessitura: bool) -> None:
        if self.data_dir is None:
            return
        if prospect2:
            save_json_atomic(self.data_dir / PROSPECT2_FILE, self.prospect2_world.to_dict())
        if tessitura:
            save_json_atomic(self.data_dir / TESSITURA_FILE, self.tessitura_world.to_dict())
        save_json_atomic(self.data_dir / CONTROL_FILE,
                         {"seed": self.seed, "now": self.control.clock.now().isoformat()})

    # -- ASGI entry points that follow resets ----------------------------------------------
    async def prospect2(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.prospect2_app(scope, receive, send)

    async def tessitura(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.tessitura_app(scope, receive, send)


def _saving_after_writes(app: ASGIApp, site: EmulatorSite) -> ASGIApp:
    """Save the touched world(s) after each write, before the answer leaves.

    A 5xx is saved too: an injected fault can lose the answer of a write that happened.
    """

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or site.data_dir is None or scope["method"] in (
                "GET", "HEAD", "OPTIONS"):
            await app(scope, receive, send)
            return
        path: str = scope["path"]
        touches_p2 = not path.startswith(TESSITURA_MOUNT)
        touches_tess = not path.startswith(PROSPECT2_MOUNT)

        async def send_after_saving(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if status < 400 or status >= 500:
                    site.save(prospect2=touches_p2, tessitura=touches_tess)
            await send(message)

        await app(scope, receive, send_after_saving)

    return wrapper


# -- the control API ---------------------------------------------------------------------------
class ResetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: str | None = None


class ChurnBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    list_id: int
    add: int = Field(0, ge=0)
    remove: int = Field(0, ge=0)
    change: int = Field(0, ge=0)
    share_email: int = Field(0, ge=0)
    permission_flip: int = Field(0, ge=0)
    mistype: int = Field(0, ge=0)
    seed: int = 1


class ClockBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    advance_seconds: float | None = None
    now: datetime | None = None


class FireBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csiWebhookId: str  # noqa: N815 - the wire name
    email: str


class SendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    recipients: int = Field(ge=0)


class PackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str | None


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _body(request: Request, model: type[BaseModel]) -> Any:
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}"
                             for e in exc.errors())
        raise ControlError(400, problems) from exc


def _site(request: Request) -> EmulatorSite:
    return request.app.state.site


async def reset(request: Request) -> JSONResponse:
    body = await _body(request, ResetBody)
    try:
        _site(request).reset(body.seed)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc
    return JSONResponse({"ok": True})


async def churn(request: Request) -> JSONResponse:
    body = await _body(request, ChurnBody)
    site = _site(request)
    try:
        answer = site.tessitura_world.churn(**body.model_dump(), now=site.control.clock.now())
    except LookupError as exc:
        raise ControlError(404, f"no List Manager list {body.list_id}: {exc}") from exc
    except ValueError as exc:
        raise ControlError(400, str(exc)) from exc
    return JSONResponse(answer)


async def clock(request: Request) -> JSONResponse:
    """Moving the clock forward lets Prospect2 run the syncs it schedules in between."""
    site = _site(request)
    control = site.control
    if request.method == "POST":
        body = await _body(request, ClockBody)
        if (body.now is None) == (body.advance_seconds is None):
            raise ControlError(400, 'give exactly one of "advance_seconds" or "now"')
        before = control.clock.now()
        if body.now is not None:
            control.clock.set(body.now)
        else:
            control.clock.advance(body.advance_seconds or 0)
        await run_due_data_syncs(site.prospect2_world, site.tessitura_client, before,
                                 control.clock.now())
    return JSONResponse({"now": control.clock.now().isoformat()})


async def faults(request: Request) -> JSONResponse:
    control = _site(request).control
    if request.method == "POST":
        raw = await request.body()
        try:
            changes = FaultSettings.model_validate_json(raw or b"{}").model_dump(
                exclude_unset=True)
        except ValidationError as exc:
            raise ControlError(400, str(exc)) from exc
        control.faults = control.faults.model_copy(update=changes)
    return JSONResponse(control.faults.model_dump())


async def fire(request: Request) -> JSONResponse:
    body = await _body(request, FireBody)
    site = _site(request)
    answer = await fire_csi_webhook(site.prospect2_world, site.tessitura_client,
                                    body.csiWebhookId, body.email, site.control.clock.now())
    return JSONResponse(answer)


async def send(request: Request) -> JSONResponse:
    body = await _body(request, SendBody)
    site = _site(request)
    campaign_id = send_campaign(site.prospect2_world, body.name, body.recipients,
                                site.control.clock.now())
    return JSONResponse({"campaignId": str(campaign_id)})


async def tessitura_pack(request: Request) -> JSONResponse:
    """Pretend the Tessitura procedure pack is another version, or (null) not installed."""
    body = await _body(request, PackBody)
    _site(request).tessitura_world.pack_version = body.version
    return JSONResponse({"version": body.version})


async def account(request: Request) -> JSONResponse:
    """The Prospect2 account's Tessitura settings; Tessitura's T_DEFAULTS row follows them."""
    site = _site(request)
    if request.method == "POST":
        body = await _body(request, AccountSettingsBody)
        try:
            change_account_settings(site.prospect2_world, body.changes(),
                                    site.tessitura_world.tables["ContactPermissionTypes"])
        except ValueError as exc:
            raise ControlError(400, str(exc)) from exc
        site.tessitura_world.set_integrated_permission_type(
            integrated_permission_type(site.prospect2_world), site.control.clock.now())
    return JSONResponse(account_settings(site.prospect2_world))


async def stats(request: Request) -> JSONResponse:
    return JSONResponse(_site(request).control.stats.snapshot())


async def _control_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ControlError)
    return JSONResponse({"error": str(exc)}, status_code=exc.status)


CONTROL_ROUTES = [
    Route("/reset", reset, methods=["POST"]),
    Route("/churn", churn, methods=["POST"]),
    Route("/clock", clock, methods=["GET", "POST"]),
    Route("/faults", faults, methods=["GET", "POST"]),
    Route("/automations/fire", fire, methods=["POST"]),
    Route("/campaigns/send", send, methods=["POST"]),
    Route("/stats", stats, methods=["GET"]),
    Route("/tessitura/pack", tessitura_pack, methods=["POST"]),
    Route("/account", account, methods=["GET", "POST"]),
]


def _loopback_only(app: ASGIApp) -> ASGIApp:
    """The control API has no auth, so only local callers may act as the outside world."""

    async def check(scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and client and not _is_loopback(client[0]):
            await JSONResponse({"error": "the control API answers loopback callers only"},
                               status_code=403)(scope, receive, send)
            return
        await app(scope, receive, send)

    return check


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "testclient"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_emulator_app(*, seed: str = "demo", data_dir: str | None = None,
                       token: str | None = None,
                       tessitura_password: str | None = None) -> ASGIApp:
    """The ``callboard.emulator`` entry point: both APIs plus ``/_emulator`` in one app."""
    site = EmulatorSite(seed=seed, data_dir=data_dir, token=token or DEFAULT_TOKEN,
                        tessitura_password=tessitura_password or DEFAULT_PASSWORD)
    control_app = Starlette(routes=CONTROL_ROUTES,
                            exception_handlers={ControlError: _control_error})
    control_app.state.site = site
    host = Starlette(routes=[
        Mount(TESSITURA_MOUNT, app=site.tessitura),
        Mount(PROSPECT2_MOUNT, app=site.prospect2),
        Mount(CONTROL_MOUNT, app=_loopback_only(control_app)),
    ])
    host.state.site = site
    return _saving_after_writes(host, site)


def serve_emulator(*, host: str = "127.0.0.1", port: int = 8765, seed: str = "demo",
                   data_dir: str | None = None, token: str | None = None,
                   tessitura_password: str | None = None, allow_remote: bool = False) -> None:
    """Serve both emulators on one port after printing the environment that points at them."""
    if not allow_remote and not _is_loopback(host):
        raise ValueError(f"refusing to serve the emulator on {host}: its control API has no "
                         "authentication; use a loopback address such as 127.0.0.1")
    import uvicorn

    app = build_emulator_app(seed=seed, data_dir=data_dir, token=token,
                             tessitura_password=tessitura_password)
    base = f"http://{host}:{port}"
    environment = {
        "PROSPECT2_URL": f"{base}{PROSPECT2_MOUNT}",
        "PROSPECT2_API_TOKEN": token or DEFAULT_TOKEN,
        "TESSITURA_URL": f"{base}{TESSITURA_MOUNT}",
        "TESSITURA_USER": TESSITURA_USER,
        "TESSITURA_USERGROUP": TESSITURA_USERGROUP,
        "TESSITURA_LOCATION": TESSITURA_LOCATION,
        "TESSITURA_PASSWORD": tessitura_password or DEFAULT_PASSWORD,
    }
    print(f"# Callboard emulators (seed {seed}) on {base}; control API at {base}"
          f"{CONTROL_MOUNT}/", flush=True)
    for name, value in environment.items():
        print(f"export {name}={shlex.quote(value)}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
