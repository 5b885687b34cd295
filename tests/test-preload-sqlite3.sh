#!/bin/sh
# Under the preload, sqlite3 builds, updates, vacuums and checks a 20,000-row database:
# the same output, errors and exit status as without it.
set -u
. "$top_srcdir/tests/preload-lib.sh"
needs sqlite3 sqlite3
cat > "$work/db.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, blob BLOB, n REAL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
INSERT INTO t(name, blob, n) SELECT printf('row-%08d-%s', x, substr(hex(x * 2654435761), 1, 12)),
zeroblob(x % 3000), x * 1.5 FROM c;
CREATE INDEX t_name ON t(name);
UPDATE t SET name = upper(name) || replace(name, 'row', 'ROW') WHERE id % 7 = 0;
DELETE FROM t WHERE id % 11 = 0;
VACUUM;
SELECT count(*), sum(length(blob)), sum(n), max(name), min(name) FROM t;
SELECT group_concat(substr(name, 1, 14), ',') FROM (SELECT name FROM t ORDER BY name DESC LIMIT 50);
SELECT hex(substr(blob, 1, 8)), length(blob) FROM t WHERE id IN (5, 500, 5000, 19999);
PRAGMA integrity_check;
SQL
same sqlite3 sh -c "sqlite3 db < '$work/db.sql'"
finish
