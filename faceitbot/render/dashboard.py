"""The operator web dashboard: server-rendered HTML pages (readable with JavaScript off) and the
JSON the page's script and operators' tools read. Every value from the database is escaped."""

from __future__ import annotations

import json
from datetime import datetime
from html import escape
from typing import Any

from faceitbot.constants import Priority
from faceitbot.i18n.loader import LANGUAGES, L10n
from faceitbot.render.admin import age, hit_rate
from faceitbot.render.common import fmt
from faceitbot.render.payments import tier_name
from faceitbot.services.dashboard import JOB_STATES, Overview
from faceitbot.services.payments import TIERS
from faceitbot.store.analytics import DayRow
from faceitbot.store.job_views import JobDetail

NOTIFICATION_STATES = ("pending", "sent", "failed", "blocked", "skipped")
MIB = 1024 * 1024


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _ts(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


# -- JSON --------------------------------------------------------------------------------------
def overview_json(ov: Overview) -> dict[str, Any]:
    c = ov.console
    queues = {}
    for p in Priority:
        queues[p.name.lower()] = {
            "queued": c.jobs.get((int(p), "queued"), 0),
            "running": c.jobs.get((int(p), "running"), 0),
            "done_hour": ov.hour.get((int(p), "done"), 0),
            "failed_hour": ov.hour.get((int(p), "failed"), 0),
            "done_day": c.jobs.get((int(p), "done"), 0),
            "failed_day": c.jobs.get((int(p), "failed"), 0),
            "oldest_s": round(c.oldest_s[int(p)], 1) if int(p) in c.oldest_s else None,
            "paused": int(p) in c.paused,
        }
    return {
        "at": c.at.isoformat(),
        "queues": queues,
        "throughput_per_min": ov.throughput,
        "replicas": [
            {
                "id": r.replica,
                "leader": r.leader,
                "busy": r.busy,
                "workers": r.workers,
                "rss_bytes": r.rss_bytes,
                "uptime_s": round((c.at - r.started_at).total_seconds()),
                "heartbeat_age_s": round((c.at - r.beat_at).total_seconds(), 1),
                "telegram_429": r.telegram_429,
                "faceit_per_min": r.faceit_per_min,
            }
            for r in ov.replicas
        ],
        "faceit": {
            "budget_used": c.budget_used,
            "budget_left": max(0, c.budget_limit - c.budget_used),
            "budget_limit": c.budget_limit,
            "window_s": c.budget_window_s,
            "calls_per_min": ov.faceit_per_min,
            "cache_hits": c.cache_hits,
            "cache_misses": c.cache_misses,
        },
        "notifications": {s: ov.notifications.get(s, 0) for s in NOTIFICATION_STATES},
        "telegram": {
            "rate_limited": ov.telegram_429,
            "blocked_chats": ov.notifications.get("blocked", 0),
            "failed_updates": c.failed_updates,
        },
        "users": {
            "total": c.users.total,
            "active_today": c.users.active_today,
            "banned": c.users.banned,
            "by_tier": c.users.by_tier,
        },
        "stars_month": c.stars_month,
    }


def job_json(j: JobDetail) -> dict[str, Any]:
    return {
        "id": j.id,
        "kind": j.kind,
        "priority": Priority(j.priority).name.lower(),
        "status": j.status,
        "payload": j.payload,
        "dedupe_key": j.dedupe_key,
        "attempts": j.attempts,
        "max_attempts": j.max_attempts,
        "replica": j.lease_owner,
        "last_error": j.last_error,
        "created_at": j.created_at.isoformat(),
        "run_at": j.run_at.isoformat(),
        "started_at": j.started_at.isoformat() if j.started_at else None,
        "finished_at": j.finished_at.isoformat() if j.finished_at else None,
    }


def charts_json(rows: list[DayRow]) -> dict[str, Any]:
    return {
        "days": [r.day.isoformat() for r in rows],
        "dau": [r.active_users for r in rows],
        "analyses": [r.analyses for r in rows],
        "stars": [r.stars for r in rows],
    }


# -- pages -------------------------------------------------------------------------------------
def page(title: str, body: str, l10n: L10n, *, script: bool = True) -> str:
    langs = " ".join(
        f'<a href="?lang={code}"{" class=on" if code == l10n.locale else ""}>{code}</a>' for code in LANGUAGES
    )
    nav = (
        f'<nav><a href="/dashboard">{_e(l10n("dash-nav-overview"))}</a> '
        f'<a href="/dashboard/jobs">{_e(l10n("dash-nav-jobs"))}</a> '
        f'<a href="/dashboard/charts">{_e(l10n("dash-nav-charts"))}</a> <span class=langs>{langs}</span></nav>'
        if script
        else f"<nav><span class=langs>{langs}</span></nav>"
    )
    tag = '<script src="/dashboard/static/dashboard.js" defer></script>' if script else ""
    return (
        f'<!doctype html><html lang="{l10n.locale}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{_e(title)}</title>'
        f'<link rel="stylesheet" href="/dashboard/static/dashboard.css">{tag}</head>'
        f"<body>{nav}<h1>{_e(title)}</h1>{body}</body></html>"
    )


def login(l10n: L10n, *, failed: bool) -> str:
    error = f"<p class=error id=login-error>{_e(l10n('dash-login-wrong'))}</p>" if failed else ""
    body = (
        f"{error}<form method=post action=/dashboard/login>"
        f"<label>{_e(l10n('dash-login-token'))} <input type=password name=token id=token autofocus></label> "
        f"<button type=submit id=login>{_e(l10n('dash-login-submit'))}</button></form>"
    )
    return page(l10n("dash-login-title"), body, l10n, script=False)


def message(title: str, text: str, l10n: L10n) -> str:
    return page(title, f"<p class=error id=message>{_e(text)}</p>", l10n)


def _form(action: str, label: str, csrf: str, ident: str) -> str:
    return (
        f'<form method=post action="{_e(action)}" class=inline><input type=hidden name=csrf value="{_e(csrf)}">'
        f'<button type=submit id="{_e(ident)}">{_e(label)}</button></form>'
    )


def _cell(ident: str, value: object) -> str:
    return f'<td id="{_e(ident)}">{_e(value)}</td>'


def overview(ov: Overview, l10n: L10n, csrf: str | None) -> str:
    return page(
        l10n("dash-title"),
        f'<div id=live data-refresh="/dashboard/live">{live(ov, l10n, csrf)}</div>',
        l10n,
    )


def live(ov: Overview, l10n: L10n, csrf: str | None) -> str:
    """The part of the overview the page's script swaps in every few seconds."""
    data = overview_json(ov)
    c = ov.console
    head = "".join(
        f"<th>{_e(l10n(k))}</th>"
        for k in (
            "dash-priority",
            "dash-queued",
            "dash-running",
            "dash-done-hour",
            "dash-failed-hour",
            "dash-done-day",
            "dash-failed-day",
            "dash-oldest",
            "dash-state",
        )
    )
    rows = []
    for p in Priority:
        q = data["queues"][p.name.lower()]
        key = p.name.lower()
        cells = "".join(
            _cell(f"q-{key}-{field}", q[field])
            for field in ("queued", "running", "done_hour", "failed_hour", "done_day", "failed_day")
        )
        state = l10n("dash-paused") if q["paused"] else l10n("dash-active")
        button = ""
        if csrf:
            verb = "resume" if q["paused"] else "pause"
            button = " " + _form(
                f"/dashboard/queue/{key}/{verb}", l10n(f"dash-{verb}"), csrf, f"{verb}-{key}"
            )
        rows.append(
            f"<tr><th>{p.name}</th>{cells}{_cell(f'q-{key}-oldest', age(q['oldest_s']))}"
            f'<td id="q-{key}-state">{_e(state)}{button}</td></tr>'
        )
    spark = ",".join(str(n) for n in ov.throughput)
    queue = (
        f"<section class=wide><h2>{_e(l10n('dash-queues'))}</h2><table id=queues><tr>{head}</tr>{''.join(rows)}</table>"
        f"<p>{_e(l10n('dash-throughput', minutes=len(ov.throughput), total=sum(ov.throughput)))} "
        f'<svg class=spark id=throughput data-points="{spark}" width=240 height=32 role=img></svg></p></section>'
    )
    replica_rows = "".join(_replica_row(i, r, l10n) for i, r in enumerate(data["replicas"]))
    replica_head = "".join(
        f"<th>{_e(l10n(k))}</th>"
        for k in ("dash-replica", "dash-leader", "dash-workers", "dash-rss", "dash-uptime", "dash-heartbeat")
    )
    replicas = (
        f"<section><h2>{_e(l10n('dash-replicas'))}</h2><table id=replicas><tr>{replica_head}</tr>"
        f"{replica_rows or '<tr><td colspan=6>—</td></tr>'}</table></section>"
    )
    f = data["faceit"]
    calls = ", ".join(f"{_e(k)}: {v}" for k, v in f["calls_per_min"].items()) or "—"
    faceit = (
        f"<section><h2>FACEIT</h2><ul>"
        f"<li>{_e(l10n('dash-budget'))}: <b id=budget-used>{f['budget_used']}</b> / {f['budget_limit']} · "
        f"{_e(l10n('dash-budget-left'))} <b id=budget-left>{f['budget_left']}</b> · "
        f"{_e(l10n('dash-window', seconds=fmt(f['window_s'], 0)))}</li>"
        f"<li>{_e(l10n('dash-calls-per-min'))}: <span id=calls-per-min>{calls}</span></li>"
        f"<li>{_e(l10n('dash-cache'))}: <b id=cache-rate>{hit_rate(c.cache_hits, c.cache_misses)}</b> "
        f"({c.cache_hits}/{c.cache_misses})</li></ul></section>"
    )
    n = data["notifications"]
    t = data["telegram"]
    notes = (
        f"<section><h2>{_e(l10n('dash-notifications'))}</h2><ul>"
        + "".join(
            f'<li>{_e(l10n("dash-note-" + s))}: <b id="n-{s}">{n[s]}</b></li>' for s in NOTIFICATION_STATES
        )
        + f"<li>{_e(l10n('dash-telegram-429'))}: <b id=tg-429>{t['rate_limited']}</b></li>"
        f"<li>{_e(l10n('dash-blocked-chats'))}: <b id=tg-blocked>{t['blocked_chats']}</b></li>"
        f"<li>{_e(l10n('dash-failed-updates'))}: <b id=tg-failed-updates>{t['failed_updates']}</b></li></ul></section>"
    )
    u = data["users"]
    tiers = " · ".join(
        f'{_e(tier_name(tier, l10n))} <b id="u-{tier}">{u["by_tier"].get(tier, 0)}</b>' for tier in TIERS
    )
    users = (
        f"<section><h2>{_e(l10n('dash-users'))}</h2><ul>"
        f"<li>{_e(l10n('dash-users-total'))}: <b id=u-total>{u['total']}</b> · "
        f"{_e(l10n('dash-users-active'))}: <b id=u-active>{u['active_today']}</b> · "
        f"{_e(l10n('dash-users-banned'))}: <b id=u-banned>{u['banned']}</b></li><li>{tiers}</li>"
        f"<li>{_e(l10n('dash-stars-month'))}: <b id=stars-month>{data['stars_month']}</b></li></ul></section>"
    )
    stamp = f"<p class=muted id=updated>{_e(l10n('dash-updated', at=_ts(c.at)))}</p>"
    return f"{stamp}<div class=grid>{queue}{replicas}{faceit}{notes}{users}</div>"


def _replica_row(i: int, r: dict[str, Any], l10n: L10n) -> str:
    leader = "—" if r["leader"] is None else l10n("dash-yes") if r["leader"] else l10n("dash-no")
    cells = [
        ("id", r["id"]),
        ("leader", leader),
        ("workers", f"{r['busy']}/{r['workers']}"),
        ("rss", fmt(r["rss_bytes"] / MIB, 1) + " MiB"),
        ("uptime", age(r["uptime_s"])),
        ("beat", age(r["heartbeat_age_s"])),
    ]
    return "<tr>" + "".join(_cell(f"r-{i}-{name}", value) for name, value in cells) + "</tr>"


def jobs(rows: list[JobDetail], state: str | None, priority: Priority | None, l10n: L10n) -> str:
    def options(name: str, values: list[str], chosen: str | None) -> str:
        opts = [f"<option value=all>{_e(l10n('dash-all'))}</option>"]
        opts += [f'<option value="{v}"{" selected" if v == chosen else ""}>{v}</option>' for v in values]
        return f'<select name={name} id="filter-{name}">{"".join(opts)}</select>'

    chosen_p = priority.name.lower() if priority is not None else None
    form = (
        "<form method=get action=/dashboard/jobs class=filters>"
        f"{_e(l10n('dash-state'))} {options('state', list(JOB_STATES), state)} "
        f"{_e(l10n('dash-priority'))} {options('priority', [p.name.lower() for p in Priority], chosen_p)} "
        f"<button type=submit id=filter>{_e(l10n('dash-filter'))}</button></form>"
    )
    head = "".join(
        f"<th>{_e(l10n(k))}</th>"
        for k in (
            "dash-job",
            "dash-kind",
            "dash-priority",
            "dash-state",
            "dash-attempts",
            "dash-created",
            "dash-error",
        )
    )
    body = "".join(
        f'<tr id="job-{j.id}"><td><a href="/dashboard/jobs/{j.id}">#{j.id}</a></td><td>{_e(j.kind)}</td>'
        f"<td>{Priority(j.priority).name}</td><td class=state>{_e(j.status)}</td>"
        f"<td>{j.attempts}/{j.max_attempts}</td><td>{_ts(j.created_at)}</td>"
        f"<td>{_e((j.last_error or '')[:120])}</td></tr>"
        for j in rows
    )
    empty = f"<tr><td colspan=7>{_e(l10n('dash-no-jobs'))}</td></tr>"
    return page(l10n("dash-nav-jobs"), f"{form}<table id=jobs><tr>{head}</tr>{body or empty}</table>", l10n)


def job(j: JobDetail, l10n: L10n, csrf: str | None) -> str:
    facts = [
        ("dash-kind", j.kind),
        ("dash-priority", Priority(j.priority).name),
        ("dash-state", j.status),
        ("dash-attempts", f"{j.attempts}/{j.max_attempts}"),
        ("dash-replica", j.lease_owner or "—"),
        ("dash-created", _ts(j.created_at)),
        ("dash-run-at", _ts(j.run_at)),
        ("dash-started", _ts(j.started_at)),
        ("dash-finished", _ts(j.finished_at)),
        ("dash-error", j.last_error or "—"),
    ]
    rows = "".join(f'<tr><th>{_e(l10n(k))}</th><td id="{k[5:]}">{_e(v)}</td></tr>' for k, v in facts)
    payload = json.dumps(j.payload, indent=2, ensure_ascii=False, sort_keys=True)
    actions = ""
    if csrf and j.status == "failed":
        actions = _form(f"/dashboard/jobs/{j.id}/retry", l10n("dash-retry"), csrf, "retry")
    elif csrf and j.status == "queued":
        actions = _form(f"/dashboard/jobs/{j.id}/cancel", l10n("dash-cancel"), csrf, "cancel")
    body = (
        f"<table class=facts>{rows}</table><h2>{_e(l10n('dash-payload'))}</h2>"
        f"<pre id=payload>{_e(payload)}</pre><p>{actions}</p>"
    )
    return page(l10n("dash-job-title", id=j.id), body, l10n)


def charts(rows: list[DayRow], days: int, l10n: L10n) -> str:
    data = json.dumps(charts_json(rows)).replace("</", "<\\/")
    links = " ".join(
        f'<a href="/dashboard/charts?days={d}"{" class=on" if d == days else ""}>{_e(l10n("dash-days", days=l10n.plural("n-days", d)))}</a>'
        for d in (14, 30)
    )
    labels = json.dumps(
        {
            "dau": l10n("dash-chart-dau"),
            "analyses": l10n("dash-chart-analyses"),
            "stars": l10n("dash-chart-stars"),
        }
    ).replace("</", "<\\/")
    body = (
        f"<p>{links}</p><div id=charts data-labels='{_e(labels)}'></div>"
        f'<script type="application/json" id=chart-data>{data}</script>'
        f'<noscript><img src="/dashboard/charts.png?days={days}" alt="{_e(l10n("dash-nav-charts"))}"></noscript>'
    )
    return page(l10n("dash-charts-title", days=l10n.plural("n-days", days)), body, l10n)
