"""The Redis keys the replicas share, all under REDIS_PREFIX, named in one place so that two
features never collide and an operator can tell what a key belongs to.

Each name below is the root of its owner's keys; the owner adds fixed suffixes:

| name | owner | keys |
|---|---|---|
| `budget:faceit` | faceit.budget.RedisBudget | the key's request window |
| `pace:faceit` | faceit.pacing.RedisPacer | `:tat`, `:hold`, `:strict`, `:sent`, `:429s` |
| `allow:` | faceit.allowance.RedisAllowance | `allow:<telegram id>`, a user's FACEIT allowance |
| `budget:monitor`, `budget:monitor-rps` | tracking.governor.RedisWindow | tracking's share and its rate |
| `mon:` | tracking's response cache (cluster.kv.RedisKV) | `mon:faceit:…`, `mon:lock:faceit:…` |
| `tg:` | telegram.send_governor.RedisPace | `tg:flood`, `tg:overall`, `tg:chat:<id>`, `tg:group:<id>` |
| `leader:polling:<bot id>` | cluster.leader.RedisLease | the long-polling lease |
| (bare prefix) | cluster.kv.RedisKV, the bot's cache | `faceit:…` and `lock:faceit:…` (faceit.cache), `img:…` (render.images), `group-send:…` (middlewares.group_limit), `paysupport:…` (services.support) |
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RedisKeys:
    prefix: str

    @property
    def faceit_budget(self) -> str:
        return f"{self.prefix}budget:faceit"

    @property
    def faceit_pace(self) -> str:
        return f"{self.prefix}pace:faceit"

    @property
    def allowance(self) -> str:
        """Prefix for RedisAllowance, which adds `allow:`."""
        return self.prefix

    @property
    def tracking_budget(self) -> str:
        return f"{self.prefix}budget:monitor"

    @property
    def tracking_rate(self) -> str:
        return f"{self.prefix}budget:monitor-rps"

    @property
    def tracking_cache(self) -> str:
        return f"{self.prefix}mon:"

    @property
    def telegram(self) -> str:
        """Prefix for RedisPace, which adds `tg:…`."""
        return self.prefix

    @property
    def cache(self) -> str:
        return self.prefix

    def polling_leader(self, bot_id: int) -> str:
        return f"{self.prefix}leader:polling:{bot_id}"
