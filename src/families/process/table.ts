/** process_events: exec, fork and exit. */

import {
  bool,
  commonColumnsSql,
  commonIndexesSql,
  type EventTable,
  jsonStrings,
  mappingFor,
  num,
  numOrNull,
  str,
} from '../event-table.ts';
import type { ProcessEvent } from './events.ts';
import { PROCESS_EVENT_TYPES } from './events.ts';

const mapping = mappingFor<ProcessEvent>();

const NAME = 'process_events';

export const PROCESS_TABLE: EventTable = {
  name: NAME,
  types: PROCESS_EVENT_TYPES,
  ddl: `
    CREATE TABLE ${NAME} (${commonColumnsSql(PROCESS_EVENT_TYPES)},
      filename TEXT,
      argv TEXT,               -- JSON array of strings
      argc INTEGER,
      args_truncated INTEGER,
      filename_truncated INTEGER,
      old_pid INTEGER,
      child_pid INTEGER,
      exit_code INTEGER,
      signal INTEGER,
      core_dumped INTEGER,
      lifetime_ns INTEGER
    );
    ${commonIndexesSql(NAME)}
    -- Process events are few and looked up by process and type: worth the extra indexes.
    CREATE INDEX ${NAME}_type_time ON ${NAME} (type, time_us);
    CREATE INDEX ${NAME}_pid_time ON ${NAME} (pid, time_us);
    CREATE INDEX ${NAME}_comm_time ON ${NAME} (comm, time_us);`,
  view: { path: 'filename', addr: 'NULL', port: 'NULL', localPort: 'NULL' },
  selectColumns: `filename, argv, argc, args_truncated, filename_truncated, old_pid, child_pid,
    exit_code, signal, core_dumped, CAST(lifetime_ns AS REAL) AS lifetime_ns`,
  mappings: [
    mapping(
      'exec',
      ['filename', 'argv', 'argc', 'args_truncated', 'filename_truncated', 'old_pid'],
      (e) => [
        e.filename,
        JSON.stringify(e.argv),
        e.argc,
        e.argsTruncated ? 1 : 0,
        e.filenameTruncated ? 1 : 0,
        e.oldPid,
      ],
      (r) => ({
        type: 'exec',
        filename: str(r.filename),
        argv: jsonStrings(r.argv),
        argc: num(r.argc),
        argsTruncated: bool(r.args_truncated),
        filenameTruncated: bool(r.filename_truncated),
        oldPid: num(r.old_pid),
      }),
    ),
    mapping(
      'fork',
      ['child_pid'],
      (e) => [e.childPid],
      (r) => ({ type: 'fork', childPid: num(r.child_pid) }),
    ),
    mapping(
      'exit',
      ['exit_code', 'signal', 'core_dumped', 'lifetime_ns'],
      (e) => [e.exitCode, e.signal, e.coreDumped ? 1 : 0, e.lifetimeNs],
      (r) => ({
        type: 'exit',
        exitCode: numOrNull(r.exit_code),
        signal: numOrNull(r.signal),
        coreDumped: bool(r.core_dumped),
        lifetimeNs: num(r.lifetime_ns),
      }),
    ),
  ],
};
