-- Reason: 0016 turned each user's plan into one 'migration' row, but the payments made before
-- the ledger stayed outside it, so the revenue read from the ledger started at zero and a refund
-- of such a payment had no row to mark. Each of them becomes a 'history' row: its charge id,
-- stars, days and refund, as paid. Its days are not counted again: they are already inside the
-- user's 'migration' row (store/entitlements.py leaves history rows out of the plan), so nobody
-- has more or less than before.

ALTER TABLE entitlements DROP CONSTRAINT entitlements_source_check;
ALTER TABLE entitlements ADD CONSTRAINT entitlements_source_check
    CHECK (source IN ('payment', 'renewal', 'grant', 'legacy', 'migration', 'history'));

INSERT INTO entitlements (telegram_id, tier, days, stars, source, source_ref, credited_at, refunded_at)
SELECT p.telegram_id, p.tier, p.days, p.stars, 'history', p.telegram_payment_charge_id, p.created_at,
       CASE WHEN p.status = 'refunded' THEN coalesce(p.refunded_at, p.created_at) END
FROM payments p
JOIN users u ON u.telegram_id = p.telegram_id
WHERE p.status IN ('paid', 'refunded') AND p.tier IS NOT NULL AND p.days > 0
  -- paid since 0016: credited as a ledger row of its own already
  AND NOT EXISTS (SELECT 1 FROM entitlements e
                  WHERE e.source IN ('payment', 'renewal') AND e.source_ref = p.telegram_payment_charge_id)
ON CONFLICT (source, source_ref) DO NOTHING;
