/** Egress and exec policy tables (migration 8): the rules and the log of every change to them. */

const rulesTable = (name: string, sources: string): string => `
CREATE TABLE ${name} (
  -- Ids are never reused (see policy_changes), so stored decisions keep naming the rule they came from.
  id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),
  kind TEXT NOT NULL CHECK (kind IN ('egress', 'exec')),
  source TEXT NOT NULL CHECK (source IN (${sources})),
  rule_json TEXT NOT NULL,         -- the validated rule, as the user wrote it
  created_us INTEGER NOT NULL,
  updated_us INTEGER NOT NULL
);`;

/**
 * Migration 11: rules added over the REST API are recorded as such. SQLite
 * cannot change a CHECK in place: the table is rebuilt, ids and times kept.
 */
export const POLICY_RULES_API_SOURCE_DDL = `${rulesTable('policy_rules_v11', "'cli', 'config', 'api'")}
INSERT INTO policy_rules_v11 (id, kind, source, rule_json, created_us, updated_us)
  SELECT id, kind, source, rule_json, created_us, updated_us FROM policy_rules;
DROP TABLE policy_rules;
ALTER TABLE policy_rules_v11 RENAME TO policy_rules;
`;

export const POLICY_RULES_DDL = `${rulesTable('policy_rules', "'cli', 'config'")}
CREATE TABLE policy_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time_us INTEGER NOT NULL,
  actor TEXT NOT NULL,             -- cli, config, api
  user TEXT,                       -- who ran the command (SUDO_USER, else the uid)
  op TEXT NOT NULL CHECK (op IN ('add', 'rm', 'replace')),
  kind TEXT NOT NULL,
  rule_id INTEGER NOT NULL,
  before_json TEXT,                -- the rule before the change (rm, replace)
  after_json TEXT                  -- the rule after it (add, replace)
);
CREATE INDEX policy_changes_rule ON policy_changes (rule_id, seq);
`;
