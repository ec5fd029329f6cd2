"""/dashboard on the side server: the operator's web view of the queues, replicas, FACEIT budget,
notifications, users and revenue, and the /admin queue actions. Handlers stay thin: the figures
come from services/dashboard.py (which calls the /admin service), the HTML from
render/dashboard.py. Disabled unless DASHBOARD_TOKEN is set."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from aiogram.utils.i18n import I18n
from aiohttp import web
from loguru import logger

from faceitbot.errors import BadInput
from faceitbot.faceit.client import FaceitClient
from faceitbot.i18n.loader import LANGUAGES, L10n, pick_language
from faceitbot.queue import TaskQueue
from faceitbot.render import chart
from faceitbot.render import dashboard as render
from faceitbot.render.admin import chart_series
from faceitbot.services import dashboard as service
from faceitbot.store.db import Pool
from faceitbot.web.dashboard_auth import COOKIE, DashboardAuth, Role

STATIC = Path(__file__).parent / "static"
LANG_COOKIE = "fb_dashboard_lang"
CHART_DAYS = (14, 30)
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Everything is served from here: no CDN, no inline script (data travels in JSON blocks).
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'",
}


@dataclass(frozen=True, slots=True)
class DashboardDeps:
    pool: Pool
    queue: TaskQueue
    faceit: FaceitClient
    i18n: I18n
    auth: DashboardAuth


@dataclass(frozen=True, slots=True)
class Visitor:
    role: Role
    l10n: L10n
    csrf: str

    @property
    def can_act(self) -> bool:
        return self.role is Role.ADMIN


Handler = Callable[[web.Request, Visitor], Awaitable[web.StreamResponse]]


def _l10n(request: web.Request, i18n: I18n) -> L10n:
    asked = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return L10n(i18n, asked)
    return L10n(i18n, pick_language(request.headers.get("Accept-Language", "").split(",")[0]))


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", headers=SECURITY_HEADERS)


def _json(data: object, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, headers=SECURITY_HEADERS)


def _is_api(request: web.Request) -> bool:
    return request.path.startswith("/dashboard/api/")


def _refuse(request: web.Request, l10n: L10n, status: int, key: str) -> web.Response:
    if _is_api(request):
        return _json({"error": l10n(key)}, status)
    if status == 401:
        return _html(render.login(l10n, failed=False), 401)
    return _html(render.message(l10n("dash-title"), l10n(key), l10n), status)


def add_dashboard_routes(app: web.Application, deps: DashboardDeps) -> None:
    auth = deps.auth

    def guarded(
        handler: Handler, *, acting: bool = False
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def run(request: web.Request) -> web.StreamResponse:
            l10n = _l10n(request, deps.i18n)
            bearer = request.headers.get("Authorization", "")
            role = (
                auth.role_of_token(bearer.removeprefix("Bearer ").strip())
                if bearer.startswith("Bearer ")
                else auth.role_of_session(request.cookies.get(COOKIE, ""))
            )
            if role is None:
                return _refuse(request, l10n, 401, "dash-login-needed")
            visitor = Visitor(role, l10n, auth.csrf(role))
            if acting:
                if not visitor.can_act:
                    return _refuse(request, l10n, 403, "dash-forbidden")
                form = await request.post()
                given = request.headers.get("X-CSRF-Token") or str(form.get("csrf", ""))
                if not auth.csrf_ok(role, given):
                    return _refuse(request, l10n, 403, "dash-csrf")
            try:
                async with asyncio.timeout(10):
                    response = await handler(request, visitor)
            except BadInput as e:
                text = l10n(e.key, **e.params())
                if _is_api(request):
                    return _json({"error": text}, 400)
                return _html(render.message(l10n("dash-title"), text, l10n), 400)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as e:
                logger.warning("dashboard {} failed: {}", request.path, type(e).__name__)
                return _refuse(request, l10n, 503, "dash-unavailable")
            if "lang" in request.query and request.query["lang"] in LANGUAGES:
                response.set_cookie(
                    LANG_COOKIE, request.query["lang"], httponly=True, samesite="Strict", path="/dashboard"
                )
            return response

        return run

    async def login_page(request: web.Request) -> web.StreamResponse:
        return _html(render.login(_l10n(request, deps.i18n), failed=False), 401)

    async def login(request: web.Request) -> web.StreamResponse:
        l10n = _l10n(request, deps.i18n)
        form = await request.post()
        role = auth.role_of_token(str(form.get("token", "")))
        if role is None:
            return _html(render.login(l10n, failed=True), 401)
        response = web.Response(status=303, headers={"Location": "/dashboard", "Cache-Control": "no-store"})
        response.set_cookie(COOKIE, auth.session(role), httponly=True, samesite="Strict", path="/dashboard")
        return response

    async def overview_page(request: web.Request, v: Visitor) -> web.StreamResponse:
        ov = await service.overview(deps.pool, deps.queue, deps.faceit, datetime.now(UTC))
        return _html(render.overview(ov, v.l10n, v.csrf if v.can_act else None))

    async def live_fragment(request: web.Request, v: Visitor) -> web.StreamResponse:
        ov = await service.overview(deps.pool, deps.queue, deps.faceit, datetime.now(UTC))
        return _html(render.live(ov, v.l10n, v.csrf if v.can_act else None))

    async def overview_api(request: web.Request, v: Visitor) -> web.StreamResponse:
        ov = await service.overview(deps.pool, deps.queue, deps.faceit, datetime.now(UTC))
        return _json(render.overview_json(ov))

    async def jobs_page(request: web.Request, v: Visitor) -> web.StreamResponse:
        state = service.parse_state(request.query.get("state"))
        priority = service.parse_priority(request.query.get("priority"))
        return _html(render.jobs(await service.jobs(deps.pool, state, priority), state, priority, v.l10n))

    async def jobs_api(request: web.Request, v: Visitor) -> web.StreamResponse:
        state = service.parse_state(request.query.get("state"))
        priority = service.parse_priority(request.query.get("priority"))
        return _json({"jobs": [render.job_json(j) for j in await service.jobs(deps.pool, state, priority)]})

    async def job_page(request: web.Request, v: Visitor) -> web.StreamResponse:
        job = await service.job(deps.pool, service.parse_job_id(request.match_info["id"]))
        return _html(render.job(job, v.l10n, v.csrf if v.can_act else None))

    async def job_api(request: web.Request, v: Visitor) -> web.StreamResponse:
        job = await service.job(deps.pool, service.parse_job_id(request.match_info["id"]))
        return _json(render.job_json(job))

    async def job_action(request: web.Request, v: Visitor) -> web.StreamResponse:
        job_id = request.match_info["id"]
        result = await service.act(deps.pool, deps.queue, request.match_info["action"], job_id)
        if _is_api(request):
            return _json({"result": result})
        raise web.HTTPSeeOther(f"/dashboard/jobs/{job_id}")

    async def queue_action(request: web.Request, v: Visitor) -> web.StreamResponse:
        result = await service.act(
            deps.pool, deps.queue, request.match_info["action"], request.match_info["priority"]
        )
        if _is_api(request):
            return _json({"result": result})
        raise web.HTTPSeeOther("/dashboard")

    def days_of(request: web.Request) -> int:
        text = request.query.get("days", str(CHART_DAYS[0]))
        if text not in {str(d) for d in CHART_DAYS}:
            raise BadInput("dash-bad-days", value=text)
        return int(text)

    async def charts_page(request: web.Request, v: Visitor) -> web.StreamResponse:
        days = days_of(request)
        rows = await service.chart_days(deps.pool, datetime.now(UTC).date(), days)
        return _html(render.charts(rows, days, v.l10n))

    async def charts_api(request: web.Request, v: Visitor) -> web.StreamResponse:
        rows = await service.chart_days(deps.pool, datetime.now(UTC).date(), days_of(request))
        return _json(render.charts_json(rows))

    async def charts_png(request: web.Request, v: Visitor) -> web.StreamResponse:
        rows = await service.chart_days(deps.pool, datetime.now(UTC).date(), days_of(request))
        png = await asyncio.to_thread(chart.bars, chart_series(rows))  # CPU work off the event loop
        return web.Response(body=png, content_type="image/png", headers=SECURITY_HEADERS)

    async def static(request: web.Request, v: Visitor) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in {"dashboard.js", "dashboard.css"}:
            raise web.HTTPNotFound()
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return web.Response(body=(STATIC / name).read_bytes(), content_type=kind, headers=SECURITY_HEADERS)

    r = app.router
    r.add_get("/dashboard/login", login_page)
    r.add_post("/dashboard/login", login)
    r.add_get("/dashboard", guarded(overview_page))
    r.add_get("/dashboard/live", guarded(live_fragment))
    r.add_get("/dashboard/jobs", guarded(jobs_page))
    r.add_get(r"/dashboard/jobs/{id}", guarded(job_page))
    r.add_post(r"/dashboard/jobs/{id}/{action:retry|cancel}", guarded(job_action, acting=True))
    r.add_post(r"/dashboard/queue/{priority}/{action:pause|resume}", guarded(queue_action, acting=True))
    r.add_get("/dashboard/charts", guarded(charts_page))
    r.add_get("/dashboard/charts.png", guarded(charts_png))
    r.add_get("/dashboard/static/{name}", guarded(static))
    r.add_get("/dashboard/api/overview", guarded(overview_api))
    r.add_get("/dashboard/api/jobs", guarded(jobs_api))
    r.add_get(r"/dashboard/api/jobs/{id}", guarded(job_api))
    r.add_post(r"/dashboard/api/jobs/{id}/{action:retry|cancel}", guarded(job_action, acting=True))
    r.add_post(r"/dashboard/api/queue/{priority}/{action:pause|resume}", guarded(queue_action, acting=True))
    r.add_get("/dashboard/api/charts", guarded(charts_api))
