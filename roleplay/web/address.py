"""Where students reach the server: the address the join link and the QR code carry.

The address a browser used to open the dashboard says nothing about what a
phone can open: an instructor on the classroom laptop opens `localhost`, and a
QR code for `http://localhost:5000/join/CODE` sends each phone to itself. So
the join address is decided once, at start, from how the server listens:

* `--public-url` / `ROLEPLAY_PUBLIC_URL` (a deployment behind a proxy): that;
* listening on every interface (`0.0.0.0`, `::`): the machine's LAN address,
  the one its default route leaves from (found by `connect()` on a UDP socket
  toward a private address: connecting a UDP socket only picks a route and a
  source address, it sends no packet);
* listening on one named address: that address;
* listening on loopback only (or no network found): the loopback address, with a
  warning, because phones cannot reach it.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..i18n import N_

ALL_INTERFACES = ("0.0.0.0", "::", "")
#: private addresses a UDP socket is `connect()`ed toward to learn the route's source
#: address (nothing is sent; any one with a route will do: 10/8 first, the default route)
PROBES = ("10.255.255.254", "172.31.255.254", "192.168.255.254")
PROBE_PORT = 9  # discard; never reached

#: makes a UDP socket; tests pass a fake
SocketFactory = Callable[[], Any]


@dataclass(frozen=True)
class JoinAddress:
    """The base URL students use, whether phones can reach it, and why not."""

    base: str
    reachable: bool
    #: how the address was found: "public_url", "lan", "host" or "loopback"
    source: str
    warning: str | None = None
    #: the warning as a catalog message and its arguments, for the dashboard's language
    warning_msg: str | None = None
    warning_args: Mapping[str, Any] = field(default_factory=dict)

    def url(self, code: str) -> str:
        return f"{self.base}/join/{code}"

    def to_dict(self, code: str) -> dict[str, Any]:
        """What the instructor's and the projector's views carry (docs/protocol.md)."""
        return {"url": self.url(code), "base": self.base, "reachable": self.reachable,
                "source": self.source, "warning": self.warning}


def _udp_socket() -> Any:
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def _usable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast)


def lan_address(make_socket: SocketFactory = _udp_socket) -> str | None:
    """This machine's IPv4 address on its network, or None when it has none but loopback."""
    for target in PROBES:
        s = make_socket()
        try:
            s.connect((target, PROBE_PORT))  # UDP: chooses a route, sends nothing
            address = str(s.getsockname()[0])
        except OSError:
            continue  # no route toward this private range
        finally:
            s.close()
        if _usable(address):
            return address
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


NO_NETWORK = N_("Phones cannot reach this address: this machine is on no network. Connect it "
                "to the room's Wi-Fi and restart, or give --public-url behind a proxy.")
LOOPBACK_ONLY = N_("Phones cannot reach this address (the server listens on %(host)s only); "
                   "restart with: roleplay serve --host 0.0.0.0 --port %(port)s (on the room's "
                   "network), or give --public-url behind a proxy.")


def _unreachable(base: str, msgid: str, **args: Any) -> JoinAddress:
    return JoinAddress(base, False, "loopback", msgid % args if args else msgid, msgid, args)


def join_address(host: str, port: int, public_url: str | None = None,
                 lan: Callable[[], str | None] | None = None) -> JoinAddress:
    """The address students must use, for a server listening on `host`:`port`."""
    if public_url:
        return JoinAddress(public_url.rstrip("/"), True, "public_url")
    if host in ALL_INTERFACES:
        found = (lan or lan_address)()
        if found is not None:
            return JoinAddress(f"http://{_hostport(found, port)}", True, "lan")
        return _unreachable(f"http://127.0.0.1:{port}", NO_NETWORK)
    if _is_loopback(host):
        shown = "127.0.0.1" if host == "localhost" else host
        return _unreachable(f"http://{_hostport(shown, port)}", LOOPBACK_ONLY, host=host, port=port)
    return JoinAddress(f"http://{_hostport(host, port)}", True, "host")
