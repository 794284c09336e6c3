"""eval_no_grad tries to open TCP connections to 1.1.1.1:53 and to a port the tests listen on at
127.0.0.1, and a UDP DNS query; it reports what got through."""
import socket


def eval_no_grad(f, x):
    got = []
    for host, port in (("1.1.1.1", 53), ("127.0.0.1", __PORT__), ("localhost", __PORT__)):
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                s.sendall(b"__MARKER__")
                got.append(f"CONNECTED {host}:{port}")
        except OSError as exc:
            got.append(f"{host}:{port} {type(exc).__name__}")
    try:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(2)
        u.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01",
                 ("1.1.1.1", 53))
        u.recvfrom(512)
        got.append("CONNECTED udp answer")
    except OSError as exc:
        got.append(f"udp {type(exc).__name__}")
    raise RuntimeError("network: " + "; ".join(got))
