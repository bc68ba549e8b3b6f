"""hotstack_db: the database a rendered OpenStack config points at, for the image's helpers
(hotstack-wait-db, hotstack-schema-current, nova's cell lookups).

The credentials come from the service's own config file: no password on a command line, and a
check proves exactly what the service will use. `describe()` words an error for a log: only
database and OS errors keep their message, any other could quote a config line (and the
password in it).
"""

import configparser


class ConfigError(Exception):
    """A config without a usable database URL (the message names section and option only)."""


def read_config(path):
    """An oslo.config style file; [DEFAULT] is a section like any other (nothing inherits it)."""
    cp = configparser.ConfigParser(interpolation=None, strict=False, default_section="\x00none")
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    return cp


def config_url(path, section="database", option="connection"):
    """The SQLAlchemy URL of [section] option in a config file."""
    from sqlalchemy.engine import make_url

    cp = read_config(path)
    if not cp.has_option(section, option):
        raise ConfigError(f"no [{section}] {option}")
    url = make_url(cp.get(section, option).strip())
    if not url.drivername.startswith("mysql"):
        raise ConfigError(f"[{section}] {option}: unsupported database driver {url.drivername}")
    return url


def where(url, database=None):
    """user@host:port/database, for messages (never the password)."""
    return f"{url.username}@{url.host}:{url.port or 3306}/{database or url.database or ''}"


def query(url, sql, args=(), database=None, connect_timeout=5, read_timeout=10):
    """The rows of one statement, on a connection of its own (database: another one on the
    same server, e.g. nova_cell0)."""
    import pymysql

    conn = pymysql.connect(host=url.host, port=url.port or 3306, user=url.username,
                           password=url.password or "", database=database or url.database,
                           connect_timeout=connect_timeout, read_timeout=read_timeout)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def describe(e):
    """The error's type, and its message when that cannot hold config text."""
    if type(e).__module__.split(".")[0] == "pymysql":  # the server's words, not the config's
        return f"{type(e).__name__}: {e.args[-1] if e.args else e}"
    if isinstance(e, OSError):
        return f"{type(e).__name__}: {e.strerror or e}"
    if isinstance(e, ConfigError):
        return str(e)
    return type(e).__name__
