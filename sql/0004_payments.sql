-- Reason: Telegram Stars subscriptions — the invoices we issued (so a pre-checkout can be
-- checked against what we offered) and every payment keyed by Telegram's unique charge id (a
-- replayed or concurrently delivered update credits once; refunds use the stored id); expiry
-- reminders once per subscription period; referrals with bonus analyses; bans; an audit trail of
-- admin actions; queue pauses shared by replicas; daily activity and analytics.

ALTER TABLE users ADD COLUMN banned_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN referral_code TEXT UNIQUE;

CREATE INDEX users_username_idx ON users (lower(username));
CREATE INDEX users_faceit_nickname_idx ON users (lower(faceit_nickname));
CREATE INDEX users_paid_expiry_idx ON users (tier_expires_at) WHERE tier <> 'free';

-- One row per invoice or subscription link we created; its nonce is in the invoice payload.
CREATE TABLE invoices (
    nonce        TEXT PRIMARY KEY,
    telegram_id  BIGINT NOT NULL,
    tier         TEXT NOT NULL CHECK (tier IN ('premium', 'pro')),
    stars        INTEGER NOT NULL CHECK (stars > 0),
    recurring    BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE payments (
    id                          BIGSERIAL PRIMARY KEY,
    telegram_payment_charge_id  TEXT NOT NULL UNIQUE,
    provider_payment_charge_id  TEXT NOT NULL DEFAULT '',
    telegram_id                 BIGINT NOT NULL,
    nonce                       TEXT,                -- the invoice paid; NULL when the payload is not ours
    tier                        TEXT CHECK (tier IN ('premium', 'pro')),
    stars                       INTEGER NOT NULL,
    days                        INTEGER NOT NULL,
    -- paid: credited; refunded: money returned and days taken back; orphan: kept, not credited
    status                      TEXT NOT NULL CHECK (status IN ('paid', 'refunded', 'orphan')),
    is_recurring                BOOLEAN NOT NULL DEFAULT FALSE,
    is_first_recurring          BOOLEAN NOT NULL DEFAULT FALSE,
    subscription_expires_at     TIMESTAMPTZ,         -- Telegram's, for recurring payments
    tier_expires_at             TIMESTAMPTZ,         -- the user's expiry right after this credit
    created_at                  TIMESTAMPTZ NOT NULL DEFAULT now(),
    refunded_at                 TIMESTAMPTZ
);
CREATE INDEX payments_user_idx ON payments (telegram_id, created_at DESC);
CREATE INDEX payments_created_idx ON payments (created_at);
CREATE INDEX payments_nonce_idx ON payments (nonce) WHERE nonce IS NOT NULL;

-- One reminder per user per expiry moment: a renewal moves the expiry and allows the next one.
CREATE TABLE subscription_reminders (
    telegram_id  BIGINT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    sent_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (telegram_id, expires_at)
);

-- A user is referred at most once, never by themselves; a FACEIT account earns a reward once.
CREATE TABLE referrals (
    referred_id         BIGINT PRIMARY KEY,
    referrer_id         BIGINT NOT NULL,
    bonus               INTEGER NOT NULL CHECK (bonus >= 0),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    rewarded_at         TIMESTAMPTZ,
    rewarded_player_id  TEXT UNIQUE,
    CHECK (referred_id <> referrer_id)
);
CREATE INDEX referrals_referrer_idx ON referrals (referrer_id);

-- Extra analyses spent once the daily quota is used up.
CREATE TABLE bonus_analyses (
    telegram_id  BIGINT PRIMARY KEY,
    remaining    INTEGER NOT NULL CHECK (remaining >= 0)
);

CREATE TABLE admin_audit (
    id          BIGSERIAL PRIMARY KEY,
    admin_id    BIGINT NOT NULL,
    action      TEXT NOT NULL,
    args        TEXT NOT NULL DEFAULT '',
    result      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX admin_audit_created_idx ON admin_audit (created_at);

-- Paused queue priorities: every replica applies them to its feeder.
CREATE TABLE queue_pauses (
    priority   SMALLINT PRIMARY KEY,
    paused_by  BIGINT NOT NULL,
    paused_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Who used the bot on which (UTC) day: users.last_seen_at only remembers the latest day.
CREATE TABLE user_activity (
    day          DATE NOT NULL,
    telegram_id  BIGINT NOT NULL,
    PRIMARY KEY (day, telegram_id)
);

-- FACEIT traffic per day, flushed by each replica from its own counters.
CREATE TABLE faceit_usage (
    day           DATE NOT NULL,
    replica       TEXT NOT NULL,
    calls         BIGINT NOT NULL DEFAULT 0,
    cache_hits    BIGINT NOT NULL DEFAULT 0,
    cache_misses  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, replica)
);

-- One row per UTC day, recomputed (upserted) by the analytics job: idempotent per day.
CREATE TABLE analytics_daily (
    day                 DATE PRIMARY KEY,
    new_users           INTEGER NOT NULL,
    active_users        INTEGER NOT NULL,
    analyses_free       INTEGER NOT NULL,
    analyses_premium    INTEGER NOT NULL,
    analyses_pro        INTEGER NOT NULL,
    notifications_sent  INTEGER NOT NULL,
    payments            INTEGER NOT NULL,
    stars               INTEGER NOT NULL,
    conversions         INTEGER NOT NULL,
    faceit_calls        BIGINT NOT NULL,
    cache_hits          BIGINT NOT NULL,
    cache_misses        BIGINT NOT NULL,
    computed_at         TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- /admin broadcast: one row per recipient, so a broadcast resumes after a restart and never sends
-- twice — a row is marked 'sending' before its message goes out, and a 'sending' row found after
-- a crash counts as failed instead of being sent again.
CREATE TABLE broadcasts (
    id           BIGSERIAL PRIMARY KEY,
    admin_id     BIGINT NOT NULL,
    text         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ
);

CREATE TABLE broadcast_deliveries (
    broadcast_id  BIGINT NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    telegram_id   BIGINT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed')),
    PRIMARY KEY (broadcast_id, telegram_id)
);
CREATE INDEX broadcast_deliveries_pending_idx ON broadcast_deliveries (broadcast_id, telegram_id)
    WHERE status IN ('pending', 'sending');
