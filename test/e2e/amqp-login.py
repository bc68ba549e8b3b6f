# Logs in to an AMQP 0-9-1 broker as user "openstack" with SASL PLAIN, the way the services'
# oslo.messaging does, and says whether the broker took the password. Run by amqp.ts as
#   python3 -c '<reads the password line, then runs this>' <host>
# with the password on stdin, never in argv.
# Exit 0: accepted (Connection.Tune); 2: refused (Connection.Close 403 ACCESS_REFUSED);
# 1: anything else (no broker, a hang-up, an unexpected frame), with the reason on stderr.
import socket
import struct
import sys

sock = socket.create_connection((sys.argv[1], 5672), timeout=10)


def read_exact(n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            sys.exit("the broker hung up")
        data += chunk
    return data


def method():
    """The next frame as (class, method, arguments); it must be a method frame."""
    kind, _, size = struct.unpack(">BHI", read_exact(7))
    body = read_exact(size + 1)[:size]
    if kind != 1:
        sys.exit(f"frame type {kind} where a method was due")
    return struct.unpack(">HH", body[:4]) + (body[4:],)


def short_str(s):
    return bytes([len(s)]) + s


sock.sendall(b"AMQP\x00\x00\x09\x01")
if method()[:2] != (10, 10):
    sys.exit("no Connection.Start from the broker")
# authentication_failure_close: a refused login gets Connection.Close 403, not a bare hang-up.
capabilities = short_str(b"authentication_failure_close") + b"t\x01"
client_properties = short_str(b"capabilities") + b"F" + struct.pack(">I", len(capabilities)) + capabilities
response = b"\0openstack\0" + pw.encode()  # noqa: F821 (set by the caller)
args = (struct.pack(">HHI", 10, 11, len(client_properties)) + client_properties + short_str(b"PLAIN")
        + struct.pack(">I", len(response)) + response + short_str(b"en_US"))
sock.sendall(struct.pack(">BHI", 1, 0, len(args)) + args + b"\xce")
cls, meth, rest = method()
if (cls, meth) == (10, 30):
    sys.exit(0)
if (cls, meth) == (10, 50) and struct.unpack(">H", rest[:2])[0] == 403:
    sys.exit(2)
sys.exit(f"unexpected answer to the login: method {cls}.{meth}")
