-- Reason: APScheduler has no coordination between processes, so every replica fires every
-- periodic job; a row per (job, time slot) lets exactly one of them run each tick.

CREATE TABLE job_runs (
    job_name    TEXT NOT NULL,
    slot_ts     TIMESTAMPTZ NOT NULL,
    replica     TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at TIMESTAMPTZ,
    outcome     TEXT,
    PRIMARY KEY (job_name, slot_ts)
);
