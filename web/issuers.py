"""Who may take a ticket: the kiosks, by the network they are on (TICKET_NETWORKS).

The status page behind a ticket's QR is opened from phones, so the server may be reachable
from the internet (PUBLIC_URL). Taking a ticket is not for the internet: anybody could fill
the morning's queue with numbers nobody holds. By default tickets are issued to requests
from the machine itself (a kiosk whose browser runs on the server) and from private networks
(kiosks on the office's LAN); the setting names the networks, or `*` for anywhere.

Behind a reverse proxy every request comes from the proxy's address: restrict issuing there.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from flask import Flask, current_app, request

ANYWHERE = "*"
REFUSAL_TH = "รับบัตรคิวได้ที่ตู้บริการในสำนักงานเขตเท่านั้น"
REFUSAL_EN = "Queue tickets are issued at the kiosk in the district office only"

Networks = tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None  # None: anywhere


def parse_networks(spec: str) -> Networks:
    """The networks of a TICKET_NETWORKS text (comma-separated addresses or networks, or
    `*`); ValueError for anything else."""
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    if parts == [ANYWHERE]:
        return None
    if not parts:
        raise ValueError("name at least one network, or * for anywhere")
    return tuple(ipaddress.ip_network(part, strict=False) for part in parts)


@lru_cache(maxsize=1024)
def _within(address: str, networks: Networks) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # (an IPv6 zone suffix)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:192.168.1.5 is 192.168.1.5
    return any(ip.version == network.version and ip in network for network in networks)


def may_issue(address: str | None = None) -> bool:
    """Whether a request from `address` (default: this request's) may take a ticket."""
    networks = current_app.extensions["khiu_ticket_networks"]
    if networks is None:
        return True
    address = request.remote_addr if address is None else address
    return bool(address) and _within(address, networks)


def init_app(app: Flask) -> None:
    try:
        app.extensions["khiu_ticket_networks"] = parse_networks(app.config["TICKET_NETWORKS"])
    except ValueError as exc:
        raise RuntimeError(f"TICKET_NETWORKS: {exc}") from exc
    app.jinja_env.globals.update(may_issue=may_issue, ticket_refusal=(REFUSAL_TH, REFUSAL_EN))
