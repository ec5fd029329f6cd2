-- Reason: a user's plan was one mutable pair (users.tier, users.tier_expires_at), and paying for
-- another tier extended whichever was higher: a PREMIUM renewal on top of a PRO month added PRO
-- days. Now every credited payment, renewal, admin grant and legacy import is a row here, and
-- what a user has is derived from the rows (faceitbot/plans.py): the highest tier runs first,
-- a lower one resumes when it ends, a refund takes back exactly what is left of its own row.
-- users.tier / tier_expires_at stay as a cache of the running part, and plan_ends_at of the
-- whole plan, recomputed in the same transaction as every change to the rows.

CREATE TABLE entitlements (
    id           BIGSERIAL PRIMARY KEY,
    telegram_id  BIGINT NOT NULL REFERENCES users (telegram_id) ON DELETE CASCADE,
    tier         TEXT NOT NULL CHECK (tier IN ('premium', 'pro')),
    days         INTEGER NOT NULL CHECK (days > 0),
    stars        INTEGER NOT NULL DEFAULT 0 CHECK (stars >= 0),  -- what was paid for it, if anything
    -- payment and renewal: the Telegram charge id; grant: the admin and a nonce; legacy and
    -- migration: the user id (one row each)
    source       TEXT NOT NULL CHECK (source IN ('payment', 'renewal', 'grant', 'legacy', 'migration')),
    source_ref   TEXT NOT NULL,
    credited_at  TIMESTAMPTZ NOT NULL,
    refunded_at  TIMESTAMPTZ,
    UNIQUE (source, source_ref)
);
CREATE INDEX entitlements_user_idx ON entitlements (telegram_id, credited_at);

ALTER TABLE users ADD COLUMN plan_ends_at TIMESTAMPTZ;

-- Today's plans as one row each, starting where their remaining time makes them end exactly
-- when they end today: nobody has more or less than before.
INSERT INTO entitlements (telegram_id, tier, days, source, source_ref, credited_at)
SELECT telegram_id, tier, d.days, 'migration', telegram_id::text, tier_expires_at - make_interval(days => d.days)
FROM users,
     LATERAL (SELECT ceil(extract(epoch FROM tier_expires_at - now()) / 86400)::int AS days) AS d
WHERE tier <> 'free' AND tier_expires_at > now();

UPDATE users SET plan_ends_at = tier_expires_at WHERE tier <> 'free' AND tier_expires_at > now();

-- A Stars subscription the bot canceled itself (editUserStarSubscription): a PRO monthly plan
-- replaces a PREMIUM monthly one, so nobody is charged for both.
ALTER TABLE invoices ADD COLUMN canceled_at TIMESTAMPTZ;
