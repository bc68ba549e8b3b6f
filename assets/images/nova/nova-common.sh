# shellcheck shell=bash
# Helpers shared by the nova roles. Installed as /usr/local/lib/hotstack/nova.sh;
# the role files source it (it sources openstack.sh itself).

. "$HOTSTACK_LIB/openstack.sh"

: "${NOVA_CONFIG:=/etc/nova/nova.conf}"

nova_manage() {
    nova-manage --config-file "$NOVA_CONFIG" "$@"
}

nova_cell_url_template() {
    # nova_cell_url_template db DBNAME | mq : print the URL to store in a cell
    # mapping, derived from nova.conf ([database] connection or [DEFAULT]
    # transport_url) with the credentials replaced by nova's template fields
    # {username}:{password}. Every nova service fills them in from its own
    # nova.conf when it loads the mapping, so no password is stored in the
    # nova_api database and a changed password needs no cell update.
    # Prints nothing if the URL is not a single-host URL with credentials (the
    # caller then lets nova-manage store the configured URL itself).
    python3 - "$NOVA_CONFIG" "$@" <<'PY'
import configparser, sys
from urllib.parse import urlsplit, urlunsplit
path, kind = sys.argv[1], sys.argv[2]
cp = configparser.ConfigParser(interpolation=None, strict=False, default_section="\x00none")
cp.read(path, encoding="utf-8")
if kind == "db":
    url = cp.get("database", "connection", fallback="").strip()
else:
    url = cp.get("DEFAULT", "transport_url", fallback="").strip()
p = urlsplit(url)
if not p.scheme or "@" not in p.netloc or "," in p.netloc or "{" in url:
    sys.exit(0)
host = p.netloc.rsplit("@", 1)[1]
path = "/" + sys.argv[3] if kind == "db" else p.path
print(urlunsplit((p.scheme, "{username}:{password}@" + host, path, p.query, p.fragment)))
PY
}

nova_cell_uuid() {
    # nova_cell_uuid NAME : UUID of a cell mapping, empty if it does not exist.
    # Read from the API database directly: one light Python start instead of
    # nova-manage's (each loads all of nova). Prints only the UUID.
    python3 - "$NOVA_CONFIG" "$1" <<'PY'
import configparser, sys
import pymysql
from sqlalchemy.engine import make_url
conf, name = sys.argv[1:3]
try:
    cp = configparser.ConfigParser(interpolation=None, strict=False, default_section="\x00none")
    cp.read(conf, encoding="utf-8")
    u = make_url(cp.get("api_database", "connection").strip())
    c = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username, password=u.password or "",
                        database=u.database, connect_timeout=10)
    with c.cursor() as cur:
        cur.execute("SELECT uuid FROM cell_mappings WHERE BINARY name=%s ORDER BY id LIMIT 1", (name,))
        row = cur.fetchone()
    c.close()
except pymysql.err.MySQLError as e:
    sys.exit(f"cell lookup of {name}: {type(e).__name__}: {e}")
except Exception as e:  # its text could quote the config (and a password in it)
    sys.exit(f"cell lookup of {name}: {type(e).__name__}")
if row:
    print(row[0])
PY
}

nova_schema_current() {
    # nova_schema_current : exit 0 when nova_api, the cell database and
    # nova_cell0 all hold the schema heads of the installed nova, so that
    # api_db sync and db sync would change nothing. Any doubt answers 1.
    hs_os_schema_current "$NOVA_CONFIG" api_database nova/db/api/migrations &&
        hs_os_schema_current "$NOVA_CONFIG" database nova/db/main/migrations &&
        hs_os_schema_current "$NOVA_CONFIG" database nova/db/main/migrations --database nova_cell0
}

nova_cell_differs() {
    # nova_cell_differs UUID DB_URL [MQ_URL] : exit 0 when the cell mapping as
    # stored in the API database (raw, before template expansion) differs from
    # the given URLs (an empty URL is not compared). Prints nothing.
    python3 - "$NOVA_CONFIG" "$@" <<'PY'
import configparser, sys
import pymysql
from sqlalchemy.engine import make_url
conf, uuid, db = sys.argv[1:4]
mq = sys.argv[4] if len(sys.argv) > 4 else ""
cp = configparser.ConfigParser(interpolation=None, strict=False, default_section="\x00none")
cp.read(conf, encoding="utf-8")
u = make_url(cp.get("api_database", "connection").strip())
c = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username, password=u.password or "",
                    database=u.database, connect_timeout=10)
with c.cursor() as cur:
    cur.execute("SELECT database_connection, transport_url FROM cell_mappings WHERE uuid=%s", (uuid,))
    row = cur.fetchone()
c.close()
if row is None:
    sys.exit(0)
differs = (db and row[0] != db) or (mq and row[1] != mq)
sys.exit(0 if differs else 1)
PY
}

nova_wait_api() {
    # nova_wait_api fatal|soft [TRIES] : wait for NOVA_API_URL
    local mode=$1 tries=${2:-60}
    if [[ $mode == fatal ]]; then
        hs_wait_http "$NOVA_API_URL" "$tries" 2 || hs_die "nova API $NOVA_API_URL not reachable"
        hs_info "nova API $NOVA_API_URL answers"
    else
        hs_os_wait_http_soft "$NOVA_API_URL" "$tries" 2
    fi
}
