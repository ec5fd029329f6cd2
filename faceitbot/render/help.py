"""/help, made from the table of commands (faceitbot/commands.py), grouped, with what each costs."""

from __future__ import annotations

from faceitbot.commands import Group, Scope, closest, in_scope
from faceitbot.i18n.loader import L10n
from faceitbot.render.common import escape


def help_text(l10n: L10n, free_quota: int, *, admin: bool = False) -> str:
    commands = in_scope(Scope.ADMIN if admin else Scope.PRIVATE)
    lines = [l10n("help-title")]
    for group in Group:
        listed = [c for c in commands if c.group is group]
        if not listed:
            continue
        lines += ["", l10n(f"help-group-{group}")]
        for c in listed:
            # "nickname?" is optional: [nickname]; "nickname" is required: <nickname>
            args = " ".join(
                l10n(f"help-arg-{a[:-1]}-optional") if a.endswith("?") else l10n(f"help-arg-{a}")
                for a in c.args.split()
            )
            line = f"/{c.name}" + (f" {args}" if args else "") + " — " + l10n(c.description_key)
            if c.costs_analysis:
                line += " · " + l10n("help-costs-analysis")
            lines.append(line)
    lines += ["", l10n("help-footer", free=l10n.plural("n-analyses", free_quota))]
    return "\n".join(lines)


def unknown_command(text: str, l10n: L10n, *, admin: bool = False) -> str:
    """ "/tarck half_buy" → "Did you mean /track half_buy?"; a command nothing resembles gets /help."""
    word, *rest = text.split(maxsplit=1)
    typed = word[1:].split("@")[0]
    near = closest(typed, Scope.ADMIN if admin else Scope.PRIVATE) if 0 < len(typed) <= 32 else None
    if near is None:
        return l10n("unknown-command")
    # The rest of the line comes along when it is short: the suggestion is meant to be tapped or copied.
    args = rest[0] if rest and len(rest[0]) <= 64 and "\n" not in rest[0] else ""
    suggestion = f"/{near.name} {args}".strip()
    return l10n("unknown-command-near", typed=escape(typed), near=escape(suggestion))
