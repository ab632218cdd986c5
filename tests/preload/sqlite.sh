#!/bin/bash
# sqlite.sh - the sqlite3 shell fills an indexed table with 100,000 rows
# from a recursive CTE, updates and deletes some, and prints aggregates,
# GROUP BY and ORDER BY results and an integrity check.  Plainly and with
# libhakmem.so preloaded, the output must be the same.
set -euo pipefail
# shellcheck source=tests/preload/common.bash
source "$(dirname "${BASH_SOURCE[0]}")/common.bash"
require sqlite3
begin_test

cat >"$WORK/script.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER, name TEXT, val REAL, blob BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
INSERT INTO t
SELECT x, x % 97, printf('name-%06d-%s', (x * 7919) % 100000, hex(x * x)),
       (x * 31 % 1000) / 7.0, zeroblob(x % 200)
FROM c;
CREATE INDEX t_name ON t(name);
CREATE INDEX t_grp_val ON t(grp, val);

SELECT count(*), sum(grp), printf('%.4f', total(val)), sum(length(blob)) FROM t;
SELECT grp, count(*), printf('%.4f', avg(val)), min(name), max(name)
FROM t GROUP BY grp ORDER BY grp;
SELECT id, name FROM t ORDER BY name DESC LIMIT 20;

UPDATE t SET name = upper(name), val = val * 2 WHERE id % 5 = 0;
DELETE FROM t WHERE grp IN (3, 14, 15, 92);
SELECT count(*), printf('%.4f', total(val)) FROM t;
SELECT grp, group_concat(id, ',') FROM (SELECT grp, id FROM t WHERE id < 2000 ORDER BY id)
GROUP BY grp ORDER BY grp LIMIT 10;
SELECT substr(name, 1, 8) AS prefix, count(*) FROM t GROUP BY prefix ORDER BY 2 DESC, 1 LIMIT 10;
VACUUM;
PRAGMA integrity_check;
SQL

compare sqlite sqlite3 -bail test.db ".read $WORK/script.sql"
