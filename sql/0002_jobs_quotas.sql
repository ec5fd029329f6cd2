-- Reason: the durable job queue (every accepted request is a row before it is acknowledged,
-- claimed under a lease so a crashed replica's work is taken over) and daily analysis quotas
-- counted atomically.

CREATE TABLE jobs (
    id                BIGSERIAL PRIMARY KEY,
    kind              TEXT NOT NULL,
    priority          SMALLINT NOT NULL,          -- 0 CRITICAL, 1 HIGH, 2 DEFAULT, 3 LOW
    payload           JSONB NOT NULL DEFAULT '{}',
    dedupe_key        TEXT,
    status            TEXT NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    max_attempts      INTEGER NOT NULL DEFAULT 3,
    run_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_owner       TEXT,
    lease_token       UUID,
    lease_expires_at  TIMESTAMPTZ,
    last_error        TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ
);

-- One live job per dedupe key: a second identical request while the first is queued or
-- running attaches to it instead of creating another.
CREATE UNIQUE INDEX jobs_live_dedupe_idx ON jobs (dedupe_key) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_queued_idx ON jobs (priority, id) WHERE status = 'queued';
CREATE INDEX jobs_running_lease_idx ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE status IN ('done', 'failed');

CREATE TABLE usage (
    telegram_id  BIGINT NOT NULL,
    day          DATE NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0),
    PRIMARY KEY (telegram_id, day)
);

-- What each user analysed and when: repeats of the same match inside the cache window are free.
CREATE TABLE analysis_requests (
    telegram_id   BIGINT NOT NULL,
    match_id      TEXT NOT NULL,
    requested_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    charged       BOOLEAN NOT NULL,
    PRIMARY KEY (telegram_id, match_id, requested_at)
);
CREATE INDEX analysis_requests_recent_idx ON analysis_requests (telegram_id, match_id, requested_at DESC);

-- The message a job reports into (the user's "queued" acknowledgement). Written after the job
-- row exists, read by the worker when it reports, so a crash between the two loses nothing:
-- a job without one sends a fresh message instead.
ALTER TABLE jobs ADD COLUMN reply_message_id BIGINT;
