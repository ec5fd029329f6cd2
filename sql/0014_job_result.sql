-- Reason: a job whose replica died after delivering its result but before the job was marked
-- done runs again, and its result carried fresh counters (FACEIT calls, elapsed time), so the
-- user's message was edited a second time. The rendered result is kept here before it is
-- delivered; a retry delivers the kept one, which Telegram answers "message is not modified".
ALTER TABLE jobs ADD COLUMN result JSONB;
