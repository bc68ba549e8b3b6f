# Logs in to an AMQP 0-9-1 broker as user "openstack" with SASL PLAIN, the way the services'
# oslo.messaging does, and says whether the broker took the password. Run by amqp.ts as
#   python3 -c '<reads the password line, then runs this>' <host>
# with the password on stdin, never in argv. Exit 0: accepted, 2: refused, 1: no broker / error.
import socket
import struct
import sys

sock = socket.create_connection((sys.argv[1], 5672), timeout=10)


def read_exact(n):
    data = b""
    while len(data) < n:
        try:
            chunk = sock.recv(n - len(data))
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def method():
    """The (class, method) of the next frame, or None when the broker hung up."""
    head = read_exact(7)
    if head is None:
        return None
    kind, _, size = struct.unpack(">BHI", head)
    body = read_exact(size + 1)
    if body is None or kind != 1:
        return None
    return struct.unpack(">HH", body[:4])


sock.sendall(b"AMQP\x00\x00\x09\x01")
if method() != (10, 10):
    sys.exit("no Connection.Start from the broker")
response = b"\0openstack\0" + pw.encode()  # noqa: F821 (set by the caller)
args = (struct.pack(">HHI", 10, 11, 0) + b"\x05PLAIN" + struct.pack(">I", len(response)) + response
        + b"\x05en_US")
sock.sendall(struct.pack(">BHI", 1, 0, len(args)) + args + b"\xce")
# Connection.Tune means the login was accepted; a refusal is Connection.Close or a hang-up.
sys.exit(0 if method() == (10, 30) else 2)
