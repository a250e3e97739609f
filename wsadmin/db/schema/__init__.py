"""Everything that knows the backend's schema (DESIGN.md: a new backend version
changes this folder only). Qt-free; stdlib sqlite3 and bcrypt only.

- shape: a schema as data, read from a connection or SQL; HEAD and LEGACY.
- render: shapes back to CREATE TABLE / CREATE INDEX.
- compare: differences tagged breaking, degraded or cosmetic (SCHEMA.md).
- chain: the six revisions, their operator words and target shapes.
- states: classify(conn) -> the SCHEMA.md state, what wsadmin offers.
- status_types: the records of a status (State, Offer, Difference, Status), importable
  without the shapes (the GUI's first screen); status: inspect(path) makes one.
- ensure, rebuild: make a table or a whole shape what a revision needs; undo it.
- steps: each revision's upgrade and downgrade, registered by id (migrations/
  calls them); default_workspace: 002's data rules and its preflight.
- costs: what a downgrade discards, counted with its own predicates.
- record: repair's re-recording of the highest revision whose shape is present.
- registration: slugs, password hashes, register_user, create_workspace.
- backend_ddl, backend_tooling: the states the backend's own tooling leaves.
- demo, demo_data: demo databases in every state, set-based.
- facts: what the backend's ORM does that its DDL does not show.
"""
