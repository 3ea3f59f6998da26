/** Program manager tables (migration 7): loaded objects, their programs, maps, links and metadata. */
export const MANAGER_DDL = `
CREATE TABLE manager_objects (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  programs_json TEXT NOT NULL,   -- programs selected at load ([] = all)
  globals_json TEXT NOT NULL,    -- {name: value} set before load
  pin_dir TEXT NOT NULL,
  loaded_at INTEGER NOT NULL     -- unix ms of the latest (re)load
);
CREATE TABLE manager_object_metadata (
  object_id INTEGER NOT NULL REFERENCES manager_objects(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (object_id, key)
);
CREATE TABLE manager_programs (
  id INTEGER PRIMARY KEY,
  object_id INTEGER NOT NULL REFERENCES manager_objects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  section TEXT NOT NULL,
  type INTEGER NOT NULL,
  expected_attach_type INTEGER NOT NULL,
  kernel_id INTEGER NOT NULL,
  tag TEXT NOT NULL,
  pin TEXT NOT NULL UNIQUE
);
CREATE TABLE manager_maps (
  id INTEGER PRIMARY KEY,
  object_id INTEGER NOT NULL REFERENCES manager_objects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  type INTEGER NOT NULL,
  kernel_id INTEGER NOT NULL,
  pin TEXT NOT NULL UNIQUE
);
CREATE TABLE manager_links (
  id INTEGER PRIMARY KEY,
  program_id INTEGER NOT NULL REFERENCES manager_programs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  spec_json TEXT NOT NULL,       -- LinkSpec: enough to attach again after a reboot
  kernel_id INTEGER,             -- bpf_link id; NULL for tc filters (not links)
  pin TEXT UNIQUE,               -- NULL for tc filters
  created_at INTEGER NOT NULL
);
CREATE INDEX manager_links_program ON manager_links(program_id);
`;
