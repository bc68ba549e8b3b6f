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
import sys
from urllib.parse import urlsplit, urlunsplit
import hotstack_db
path, kind = sys.argv[1], sys.argv[2]
try:
    cp = hotstack_db.read_config(path)
except Exception as e:  # the caller lets nova-manage use the configured URL
    print(f"nova_cell_url_template: {path}: {hotstack_db.describe(e)}", file=sys.stderr)
    sys.exit(0)
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

nova_cell_mapping() {
    # nova_cell_mapping uuid NAME | differs UUID DB_URL [MQ_URL] : read a cell
    # mapping from the API database directly (one light Python start instead
    # of nova-manage's, which loads all of nova).
    #   uuid: print the UUID of the cell NAME, nothing if it does not exist;
    #   differs: exit 0 when the mapping as stored (raw, before template
    #   expansion) differs from the given URLs (an empty URL is not compared).
    # Prints nothing secret (hotstack_db.describe words the errors).
    python3 - "$NOVA_CONFIG" "$@" <<'PY'
import sys
import hotstack_db
conf, what, key, *urls = sys.argv[1:]
where = "BINARY name" if what == "uuid" else "uuid"
try:
    url = hotstack_db.config_url(conf, "api_database")
    rows = hotstack_db.query(url, f"SELECT uuid, database_connection, transport_url FROM cell_mappings WHERE {where}=%s ORDER BY id LIMIT 1", (key,))
except Exception as e:
    sys.exit(f"cell mapping {key}: {hotstack_db.describe(e)}")
row = rows[0] if rows else None
if what == "uuid":
    if row:
        print(row[0])
    sys.exit(0)
db, mq = (urls + ["", ""])[:2]
sys.exit(0 if row is None or (db and row[1] != db) or (mq and row[2] != mq) else 1)
PY
}

nova_cell_uuid() {
    # nova_cell_uuid NAME : UUID of a cell mapping, empty if it does not exist
    nova_cell_mapping uuid "$1"
}

nova_cell_differs() {
    # nova_cell_differs UUID DB_URL [MQ_URL] : exit 0 when the stored mapping differs
    nova_cell_mapping differs "$@"
}

nova_schema_current() {
    # nova_schema_current : exit 0 when nova_api, the cell database and
    # nova_cell0 all hold the schema heads of the installed nova, so that
    # api_db sync and db sync would change nothing. Any doubt answers 1.
    hs_os_schema_current "$NOVA_CONFIG" api_database nova/db/api/migrations &&
        hs_os_schema_current "$NOVA_CONFIG" database nova/db/main/migrations &&
        hs_os_schema_current "$NOVA_CONFIG" database nova/db/main/migrations --database nova_cell0
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
