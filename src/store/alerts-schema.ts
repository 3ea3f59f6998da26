/**
 * Migration 6: detection rules, their run state, alerts and the delivery
 * outbox. An alert and one delivery row per routed sink commit in the same
 * transaction as the rule's watermark, so a crash can neither lose nor
 * repeat an alert; deliveries are retried from here until delivered.
 */
export const ALERTS_SCHEMA_SQL = `
  CREATE TABLE rules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    query TEXT NOT NULL,
    title TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',     -- JSON array of strings
    dedupe TEXT,                         -- template; NULL: the triggering event ids
    throttle_ms INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1,
    source TEXT NOT NULL,                -- the YAML file it came from, or 'cli'
    created_us INTEGER NOT NULL,
    updated_us INTEGER NOT NULL
  );
  CREATE TABLE rule_state (
    rule_id TEXT PRIMARY KEY REFERENCES rules (id) ON DELETE CASCADE,
    watermark INTEGER NOT NULL,          -- last event id this rule has seen
    runs INTEGER NOT NULL DEFAULT 0,
    alerts INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    last_run_us INTEGER,
    last_error TEXT,
    disabled_reason TEXT
  );
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_us INTEGER NOT NULL,
    rule_id TEXT NOT NULL,               -- no foreign key: alerts outlive a removed rule
    severity TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    title TEXT NOT NULL,
    details TEXT NOT NULL,               -- JSON object: the result row
    event_ids TEXT NOT NULL,             -- JSON array of event ids
    event_types TEXT NOT NULL,           -- JSON array
    dedupe_key TEXT NOT NULL,
    tags TEXT NOT NULL,                  -- JSON array
    suppressed INTEGER NOT NULL DEFAULT 0,  -- duplicates within the throttle window
    acked_us INTEGER
  );
  CREATE INDEX alerts_time ON alerts (time_us);
  CREATE INDEX alerts_rule_key ON alerts (rule_id, dedupe_key, time_us);
  CREATE TABLE alert_deliveries (
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    sink TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_us INTEGER NOT NULL,
    last_error TEXT,
    delivered_us INTEGER,
    PRIMARY KEY (alert_id, sink)
  );
  CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_attempt_us);`;

/**
 * Migration 12: what each rule's runs cost, and whether the engine runs it
 * on its own (a rule slower than rules.slowRuleMs is paced by its own cost
 * in a runner of its own, so cheap rules keep their latency).
 */
export const RULE_COST_DDL = `
  ALTER TABLE rule_state ADD COLUMN run_ms_total REAL NOT NULL DEFAULT 0;
  ALTER TABLE rule_state ADD COLUMN last_run_ms REAL;
  ALTER TABLE rule_state ADD COLUMN slow INTEGER NOT NULL DEFAULT 0;`;
