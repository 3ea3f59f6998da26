/**
 * Firewall tables (migration 9): the desired state the firewall compiles
 * and attaches from (rules, rate limit settings, interfaces), and the log of
 * every change to it.
 */
export const FIREWALL_DDL = `
CREATE TABLE firewall_rules (
  id INTEGER PRIMARY KEY CHECK (id BETWEEN 1 AND 4294967295),
  priority INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('pass', 'drop', 'log')),
  log INTEGER NOT NULL CHECK (log IN (0, 1)),
  protocol TEXT NOT NULL CHECK (protocol IN ('any', 'tcp', 'udp', 'icmp', 'icmpv6')),
  src TEXT,                        -- CIDR, canonical text; NULL: any
  dst TEXT,
  sport TEXT,                      -- "80" or "1000-2000"; NULL: any
  dport TEXT,
  comment TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL CHECK (source IN ('cli', 'config', 'api')),
  created_us INTEGER NOT NULL
);
CREATE TABLE firewall_ratelimit (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  rate INTEGER NOT NULL,           -- packets/s per source per CPU; 0: off
  burst INTEGER NOT NULL,
  syn_rate INTEGER NOT NULL,       -- TCP SYN/s per source per CPU; 0: off
  syn_burst INTEGER NOT NULL,
  log_rate INTEGER NOT NULL,       -- policy records/s per rule per CPU; 0: no limit
  log_burst INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('cli', 'config', 'api')),
  updated_us INTEGER NOT NULL
);
CREATE TABLE firewall_interfaces (
  name TEXT PRIMARY KEY,
  mode TEXT NOT NULL CHECK (mode IN ('auto', 'drv', 'skb')),   -- as asked
  attached_mode TEXT CHECK (attached_mode IN ('drv', 'skb')),  -- as the kernel took it
  source TEXT NOT NULL CHECK (source IN ('cli', 'config', 'api')),
  updated_us INTEGER NOT NULL
);
CREATE TABLE firewall_changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time_us INTEGER NOT NULL,
  who TEXT NOT NULL CHECK (who IN ('cli', 'config', 'api')),
  user TEXT,                       -- who ran the command (SUDO_USER, else the uid)
  op TEXT NOT NULL CHECK (op IN ('add', 'rm', 'set', 'clear', 'attach', 'detach')),
  target TEXT NOT NULL,            -- the rule id, 'ratelimit', or the interface
  detail_json TEXT                 -- the validated rule, the settings, or the attach mode
);
CREATE INDEX firewall_changes_time ON firewall_changes (time_us);
`;
