"""Everything that knows the backend's schema (DESIGN.md: a new backend version
changes this folder only). Qt-free; stdlib sqlite3 and bcrypt only.

- shape: a schema as data, read from a connection or SQL; HEAD and LEGACY.
- render: shapes back to CREATE TABLE / CREATE INDEX.
- compare: differences tagged breaking, degraded or cosmetic (SCHEMA.md).
- chain: the six revisions, their operator words and target shapes.
- states: classify(conn) -> the SCHEMA.md state, what wsadmin offers.
- registration: slugs, password hashes, register_user, create_workspace.
- facts: what the backend's ORM does that its DDL does not show.
"""
