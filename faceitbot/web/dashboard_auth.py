"""Who is looking at the dashboard. DASHBOARD_TOKEN lets an operator read; DASHBOARD_ADMIN_TOKEN
(optional) also lets them act on the queue. The browser keeps a session cookie derived from the
token by HMAC (the token itself never sits in the cookie), and every form carries a CSRF token
derived the same way, so a page on another site cannot post for the operator."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum

from faceitbot.config import Secret

COOKIE = "fb_dashboard"


class Role(StrEnum):
    VIEWER = "viewer"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class DashboardAuth:
    viewer_token: Secret
    admin_token: Secret

    def _tokens(self) -> dict[Role, str]:
        tokens = {Role.VIEWER: str(self.viewer_token)}
        if self.admin_token:
            tokens[Role.ADMIN] = str(self.admin_token)
        return tokens

    def _mac(self, role: Role, purpose: str) -> str:
        return hmac.new(
            self._tokens()[role].encode(), f"faceitbot-dashboard:{purpose}".encode(), hashlib.sha256
        ).hexdigest()

    def role_of_token(self, token: str) -> Role | None:
        # The admin token first: an operator who set both to the same value gets the wider role.
        for role in (Role.ADMIN, Role.VIEWER):
            expected = self._tokens().get(role)
            if expected and hmac.compare_digest(token.encode(), expected.encode()):
                return role
        return None

    def session(self, role: Role) -> str:
        return f"{role.value}.{self._mac(role, 'session')}"

    def role_of_session(self, cookie: str) -> Role | None:
        name, _, mac = cookie.partition(".")
        try:
            role = Role(name)
        except ValueError:
            return None
        if role not in self._tokens():
            return None
        return role if hmac.compare_digest(mac.encode(), self._mac(role, "session").encode()) else None

    def csrf(self, role: Role) -> str:
        return self._mac(role, "csrf")

    def csrf_ok(self, role: Role, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.csrf(role).encode())
