"""faceitbot.plans.derive against a reference model written here, over sequences Hypothesis
generates: purchases, subscription payments and renewals, grants, refunds and clock jumps.

The model walks time one whole day at a time (every event here falls on a day boundary): each
day, the highest tier with days left spends one. A refund drops what is left of its entry. At
every step the plan's tiers and end dates equal the model's, and the days each tier delivered
equal those paid minus those refunded, exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from faceitbot.plans import Entry, derive
from faceitbot.tiers import Tier

START = datetime(2027, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
PAID = [Tier.PREMIUM, Tier.PRO]


class Model:
    def __init__(self) -> None:
        self.left: dict[int, int] = {}
        self.tier: dict[int, Tier] = {}
        self.delivered = {t: 0 for t in PAID}
        self.refunded = {t: 0 for t in PAID}
        self.paid = {t: 0 for t in PAID}

    def credit(self, entry_id: int, tier: Tier, days: int) -> None:
        self.left[entry_id], self.tier[entry_id] = days, tier
        self.paid[tier] += days

    def refund(self, entry_id: int) -> None:
        self.refunded[self.tier[entry_id]] += self.left[entry_id]
        self.left[entry_id] = 0

    def running(self) -> int | None:
        live = [e for e, n in self.left.items() if n > 0]
        if not live:
            return None
        top = max(self.tier[e].rank for e in live)
        return min(e for e in live if self.tier[e].rank == top)  # the oldest of the top tier

    def day(self) -> None:
        if (e := self.running()) is not None:
            self.left[e] -= 1
            self.delivered[self.tier[e]] += 1

    def ahead(self, today: int) -> list[tuple[Tier, int]]:
        """(tier, day it ends) of what is left, highest tier first, back to back from today."""
        out, clock = [], today
        for t in sorted(PAID, key=lambda t: -t.rank):
            total = sum(n for e, n in self.left.items() if self.tier[e] is t)
            if total:
                clock += total
                out.append((t, clock))
        return out


class Ledger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.today = 0
        self.entries: list[Entry] = []
        self.model = Model()

    def _credit(self, tier: Tier, days: int) -> None:
        entry = Entry(len(self.entries) + 1, tier, days, START + self.today * DAY)
        self.entries.append(entry)
        self.model.credit(entry.id, tier, days)

    @rule(tier=st.sampled_from(PAID))
    def buy_30_days(self, tier: Tier) -> None:
        self._credit(tier, 30)

    @rule(tier=st.sampled_from(PAID))
    def subscription_payment(self, tier: Tier) -> None:  # a first payment or a renewal: 30 days of its tier
        self._credit(tier, 30)

    @rule(tier=st.sampled_from(PAID), days=st.integers(1, 90))
    def grant(self, tier: Tier, days: int) -> None:
        self._credit(tier, days)

    @precondition(lambda self: any(e.refunded_at is None for e in self.entries))
    @rule(pick=st.integers(0, 10_000))
    def refund(self, pick: int) -> None:
        open_ = [i for i, e in enumerate(self.entries) if e.refunded_at is None]
        i = open_[pick % len(open_)]
        e = self.entries[i]
        self.entries[i] = Entry(e.id, e.tier, e.days, e.credited_at, START + self.today * DAY)
        self.model.refund(e.id)

    @rule(days=st.integers(1, 45))
    def clock_jump(self, days: int) -> None:
        for _ in range(days):
            self.model.day()
        self.today += days

    @invariant()
    def plan_matches_the_model(self) -> None:
        plan = derive(self.entries, START + self.today * DAY)
        got = [(s.tier, (s.end - START) / DAY) for s in plan.segments]
        assert got == [(t, float(d)) for t, d in self.model.ahead(self.today)]
        assert plan.tier == (got[0][0] if got else Tier.FREE)

    @invariant()
    def days_delivered_are_days_paid_minus_refunded(self) -> None:
        m = self.model
        for t in PAID:
            left = sum(n for e, n in m.left.items() if m.tier[e] is t)
            assert m.delivered[t] == m.paid[t] - m.refunded[t] - left
        # Entry by entry, what the plan says was spent of each open entry is the model's.
        plan = derive(self.entries, START + self.today * DAY)
        for e in self.entries:
            if e.refunded_at is None:
                assert plan.spent[e.id] == (e.days - m.left[e.id]) * DAY


TestLedger = Ledger.TestCase
TestLedger.settings = settings(max_examples=150, stateful_step_count=25, deadline=None)
