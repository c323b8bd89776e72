SELECT position, hash, recorded_at FROM ledger_head
