/**
 * Hostile or malformed rule queries. `reject` is a pattern the validator's
 * message must match; entries with `runtime` pass validation by design and
 * must be stopped when run (time bound or authorizer).
 */
export interface HostileRule {
  readonly name: string;
  readonly sql: string;
  readonly reject?: RegExp;
  readonly runtime?: RegExp;
}

const J = 'JOIN events';
export const HOSTILE_RULES: readonly HostileRule[] = [
  // writes
  { name: 'delete', sql: 'DELETE FROM process_events', reject: /only SELECT is allowed; this is a DELETE/ },
  { name: 'insert', sql: "INSERT INTO rules (id) VALUES ('x')", reject: /only SELECT.*INSERT/ },
  { name: 'update', sql: 'UPDATE rule_state SET watermark = 0', reject: /only SELECT.*UPDATE/ },
  { name: 'replace', sql: 'REPLACE INTO alerts (id) VALUES (1)', reject: /only SELECT.*REPLACE/ },
  { name: 'drop table', sql: 'DROP TABLE alerts', reject: /only SELECT.*DROP/ },
  { name: 'create table', sql: 'CREATE TABLE x (a)', reject: /only SELECT.*CREATE/ },
  {
    name: 'create trigger',
    sql: 'CREATE TRIGGER t AFTER INSERT ON process_events BEGIN DELETE FROM alerts; END',
    reject: /only SELECT.*CREATE|statements/,
  },
  { name: 'alter', sql: 'ALTER TABLE alerts ADD COLUMN x', reject: /only SELECT.*ALTER/ },
  {
    name: 'vacuum into',
    sql: "VACUUM INTO '/tmp/stolen.db'",
    reject: /only SELECT.*VACUUM|VACUUM is not allowed/,
  },
  { name: 'begin', sql: 'BEGIN IMMEDIATE', reject: /only SELECT.*BEGIN/ },
  // pragma, attach
  { name: 'pragma write', sql: 'PRAGMA writable_schema = 1', reject: /PRAGMA/ },
  { name: 'pragma read', sql: 'PRAGMA table_info(events)', reject: /PRAGMA/ },
  {
    name: 'pragma function',
    sql: "SELECT * FROM new_events, pragma_table_info('alerts')",
    reject: /pragma_table_info|no ON or USING/,
  },
  { name: 'attach', sql: "ATTACH DATABASE '/tmp/x.db' AS x", reject: /ATTACH/ },
  { name: 'detach', sql: 'DETACH DATABASE main', reject: /DETACH/ },
  {
    name: 'other schema',
    sql: 'SELECT * FROM temp.events JOIN new_events n ON n.id = events.id',
    reject: /schema temp\.events/,
  },
  // multiple statements, comments hiding statements
  {
    name: 'two statements',
    sql: 'SELECT id FROM new_events; DELETE FROM alerts',
    reject: /found 2 statements/,
  },
  {
    name: 'statement after comment',
    sql: 'SELECT id FROM new_events -- harmless\n; DROP TABLE alerts',
    reject: /found 2 statements/,
  },
  {
    name: 'statement after block comment',
    sql: 'SELECT id FROM new_events /* ; */ ; PRAGMA writable_schema=1',
    reject: /found 2 statements|PRAGMA/,
  },
  {
    name: 'backslash string escape',
    sql: "SELECT 'a\\'; DELETE FROM alerts; --' FROM new_events",
    reject: /backslash|statements/,
  },
  { name: 'leading comment write', sql: '/* SELECT */ DELETE FROM alerts', reject: /only SELECT.*DELETE/ },
  {
    name: 'select then attach',
    sql: "SELECT 1 FROM new_events;ATTACH 'x' AS y",
    reject: /found 2 statements/,
  },
  // disallowed functions
  {
    name: 'load_extension',
    sql: "SELECT load_extension('/tmp/evil.so') FROM new_events",
    reject: /load_extension\(\) is not allowed/,
  },
  {
    name: 'readfile',
    sql: "SELECT readfile('/etc/shadow') FROM new_events",
    reject: /readfile\(\) is not allowed/,
  },
  {
    name: 'writefile',
    sql: "SELECT writefile('/tmp/x', comm) FROM new_events",
    reject: /writefile\(\) is not allowed/,
  },
  {
    name: 'randomblob',
    sql: 'SELECT randomblob(1000000000) FROM new_events',
    reject: /randomblob\(\) is not allowed/,
  },
  {
    name: 'zeroblob',
    sql: 'SELECT zeroblob(2000000000) FROM new_events',
    reject: /zeroblob\(\) is not allowed/,
  },
  {
    name: 'sqlite_version',
    sql: 'SELECT sqlite_version() FROM new_events',
    reject: /sqlite_version\(\) is not allowed/,
  },
  { name: 'changes', sql: 'SELECT last_insert_rowid(), changes() FROM new_events', reject: /not allowed/ },
  {
    name: 'fts3_tokenizer',
    sql: "SELECT fts3_tokenizer('simple') FROM new_events",
    reject: /fts3_tokenizer\(\) is not allowed/,
  },
  {
    name: 'json_each table',
    sql: "SELECT * FROM new_events JOIN json_each('[1]') ON 1",
    reject: /json_each/,
  },
  {
    name: 'quoted function name',
    sql: 'SELECT "load_extension"(\'x\') FROM new_events',
    reject: /load_extension|syntax error/,
  },
  {
    name: 'function in where',
    sql: "SELECT id FROM new_events WHERE load_extension('x') IS NULL",
    reject: /load_extension\(\) is not allowed/,
  },
  {
    name: 'nested function',
    sql: "SELECT lower(upper(edit('x', 'nano'))) FROM new_events",
    reject: /edit\(\) is not allowed/,
  },
  // recursion and blow-ups
  {
    name: 'recursive cte',
    sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c, new_events',
    reject: /recursive CTEs are not allowed/,
  },
  {
    name: 'recursive cte lower case',
    sql: 'with recursive r(n) as (select 1 union all select n from r) select n from r join new_events on 1',
    reject: /recursive/,
  },
  {
    name: 'cartesian comma join',
    sql: 'SELECT count(*) FROM new_events a, events b, events c, events d',
    reject: /no ON or USING condition/,
  },
  {
    name: 'cross join',
    sql: 'SELECT count(*) FROM new_events a CROSS JOIN events b',
    reject: /no ON or USING condition|syntax error/,
  },
  {
    name: 'natural join',
    sql: 'SELECT count(*) FROM new_events a NATURAL JOIN events b',
    reject: /no ON or USING condition|syntax error/,
  },
  {
    name: 'too many tables',
    sql: `SELECT 1 FROM new_events a ${Array.from({ length: 9 }, (_, i) => `${J} t${i} ON t${i}.id = a.id`).join(' ')}`,
    reject: /reads 10 tables; at most 8/,
  },
  {
    name: 'cartesian join disguised by ON 1=1',
    sql: 'SELECT count(*) FROM new_events a JOIN events b ON 1 = 1 JOIN events c ON 1 = 1 JOIN events d ON 1 = 1 JOIN events e ON 1 = 1',
    runtime: /runaway rule: stopped after/,
  },
  {
    name: 'self join growth',
    sql: 'SELECT count(*) AS n FROM new_events a JOIN events b ON b.id > a.id JOIN events c ON c.id > b.id JOIN events d ON d.id > c.id',
    runtime: /runaway rule: stopped after/,
  },
  // unknown tables and columns
  {
    name: 'sqlite_master',
    sql: 'SELECT sql FROM sqlite_master JOIN new_events n ON 1',
    reject: /table sqlite_master is not allowed/,
  },
  {
    name: 'sqlite_schema',
    sql: 'SELECT * FROM sqlite_schema JOIN new_events n ON 1',
    reject: /table sqlite_schema is not allowed/,
  },
  {
    name: 'rules table',
    sql: 'SELECT query FROM rules JOIN new_events n ON 1',
    reject: /table rules is not allowed/,
  },
  {
    name: 'alerts table',
    sql: 'SELECT * FROM new_events n JOIN alerts a ON a.id = n.id',
    reject: /table alerts is not allowed/,
  },
  { name: 'meta table', sql: 'SELECT * FROM meta JOIN new_events ON 1', reject: /table meta is not allowed/ },
  { name: 'dbstat', sql: 'SELECT * FROM dbstat JOIN new_events ON 1', reject: /table dbstat is not allowed/ },
  { name: 'unknown column', sql: 'SELECT password FROM new_events', reject: /unknown column password/ },
  {
    name: 'wrong column for table',
    sql: 'SELECT p.remote_port FROM new_process_events p',
    reject: /remote_port is not a column of process_events/,
  },
  { name: 'unknown alias', sql: 'SELECT z.pid FROM new_events e', reject: /no table or alias named z/ },
  { name: 'rowid trick', sql: 'SELECT rowid, _rowid_ FROM new_events', reject: /unknown column rowid/ },
  // not incremental, parameters
  { name: 'full scan without new events', sql: 'SELECT * FROM events', reject: /does not read new events/ },
  {
    name: 'unbound parameter',
    sql: 'SELECT * FROM new_events WHERE pid = :victim',
    reject: /parameter :victim is not bound/,
  },
  {
    name: 'positional parameter',
    sql: 'SELECT * FROM new_events WHERE pid = ?',
    reject: /parameter \? is not bound/,
  },
  // syntax
  { name: 'empty', sql: '   ', reject: /query is empty/ },
  { name: 'only comment', sql: '-- nothing here', reject: /query is empty/ },
  { name: 'only semicolons', sql: ';;;', reject: /query is empty/ },
  { name: 'syntax error', sql: 'SELEC id FROM new_events', reject: /only SELECT.*SELEC/ },
  { name: 'broken expression', sql: 'SELECT id FROM new_events WHERE (pid = ', reject: /syntax error/ },
  { name: 'unterminated string', sql: "SELECT 'abc FROM new_events", reject: /unterminated string/ },
  {
    name: 'huge query',
    sql: `SELECT id FROM new_events WHERE ${'pid = 1 OR '.repeat(3000)}pid = 2`,
    reject: /characters; at most/,
  },
  {
    name: 'recursive cte without the keyword',
    sql: 'WITH c AS (SELECT max(id) AS x FROM new_events UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c',
    reject: /CTE c reads itself: recursive CTEs are not allowed/,
  },
  {
    name: 'recursive cte through a subquery',
    sql: 'WITH c AS (SELECT id AS x FROM new_events WHERE id IN (SELECT x + 1 FROM c)) SELECT x FROM c',
    reject: /CTE c reads itself/,
  },
  {
    name: 'scalar subqueries 900 deep',
    sql: `SELECT id FROM new_events WHERE id > ${'(SELECT '.repeat(900)}1${')'.repeat(900)}`,
    reject: /tokens; at most|parentheses nest/,
  },
  {
    name: 'scalar subqueries 40 deep',
    sql: `SELECT id FROM new_events WHERE id > ${'(SELECT '.repeat(40)}1${')'.repeat(40)}`,
    reject: /parentheses nest 33 deep here; at most 32/,
  },
  {
    name: '6000 terms',
    sql: `SELECT id FROM new_events WHERE id > ${Array(6000).fill('1').join('+')}`,
    reject: /query has \d+ tokens; at most/,
  },
  {
    name: 'char() with 4000 arguments',
    sql: `SELECT id FROM new_events WHERE comm = char(${Array(4000).fill('65').join(',')})`,
    reject: /tokens; at most|char\(\) has more than/,
  },
  {
    name: 'char() with 150 arguments',
    sql: `SELECT id FROM new_events WHERE comm = char(${Array(150).fill('65').join(',')})`,
    reject: /char\(\) has more than 100 arguments/,
  },
  {
    name: 'window frame reading a column',
    sql: 'SELECT id, count(*) OVER (ORDER BY id ROWS BETWEEN pid PRECEDING AND CURRENT ROW) FROM new_events',
    reject: /window frame: pid is not allowed/,
  },
];
