-- Reason: the public prediction scorecard (issue 9). The first briefing of a match that has not
-- finished stores our predicted winner, FACEIT's favourite and our first-pick map, one row per
-- match (a repeat briefing or another replica inserts nothing). The outcome is written once, by
-- monitoring when it resolves the match or by a LOW-priority lookup of the match details;
-- /accuracy aggregates the rows with a known outcome.

CREATE TABLE predictions (
    match_id            TEXT PRIMARY KEY,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    predicted_faction   TEXT NOT NULL CHECK (predicted_faction IN ('faction1', 'faction2')),
    -- Our chance for the predicted faction: the confidence tier of the row.
    predicted_chance    REAL NOT NULL CHECK (predicted_chance > 0.5 AND predicted_chance < 1),
    -- FACEIT's favourite from the room's winProbability; NULL when FACEIT gave none or a tie.
    faceit_faction      TEXT CHECK (faceit_faction IN ('faction1', 'faction2')),
    faceit_chance       REAL,
    -- Our first-pick map advice and the faction it was advised for; NULL when there was none.
    pick_map            TEXT,
    pick_faction        TEXT CHECK (pick_faction IN ('faction1', 'faction2')),
    -- 'finished' with the winner and the map played, or 'void' (cancelled, or never learnt).
    outcome             TEXT CHECK (outcome IN ('finished', 'void')),
    winner              TEXT CHECK (winner IN ('faction1', 'faction2')),
    played_map          TEXT,
    outcome_at          TIMESTAMPTZ,
    checks              SMALLINT NOT NULL DEFAULT 0,
    next_check_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((outcome = 'finished') = (winner IS NOT NULL))
);

CREATE INDEX predictions_open ON predictions (next_check_at) WHERE outcome IS NULL;
