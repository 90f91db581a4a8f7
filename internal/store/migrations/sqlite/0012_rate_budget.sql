-- Nothing: on SQLite one process owns the database file (the file lock in
-- internal/app), so the rate budgets stay in that process's memory
-- (xero's pacer, shipstation.MemoryBudget). PostgreSQL's 0012 creates the
-- rate_budget table its several processes share. The number is kept so
-- both dialects' versions stay aligned.
SELECT 1;
