"""NetworkPolicy semantics for rendered objects: may this pod open a TCP connection to that pod's
port? Evaluated as the API defines it (a CNI that enforces policies implements exactly this):

- a pod is isolated for a direction when any policy in its namespace selects it with that
  direction in `policyTypes` (absent: Ingress, plus Egress when the policy has egress rules);
- an isolated pod allows a connection when any rule of any such policy allows it, and a
  connection needs both the source's egress and the destination's ingress;
- a peer with only `podSelector` means pods of the policy's own namespace, with only
  `namespaceSelector` every pod of those namespaces, with both the pods matching both;
- a rule's port is the destination *pod's* port (after the Service's DNAT), by number or by the
  name of one of its container ports; no `ports` means every port.
`ipBlock` peers never match a pod here (cluster pod addresses are not what they list).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from tests.chart.conftest import matches, pod_templates


@dataclass(frozen=True)
class Endpoint:
    """One pod as a policy sees it."""

    name: str
    namespace: str
    labels: dict[str, str]
    ports: dict[str, int] = field(default_factory=dict)  # container port name -> number
    namespace_labels: dict[str, str] = field(default_factory=dict)

    def namespace_labelled(self) -> dict[str, str]:
        return {"kubernetes.io/metadata.name": self.namespace, **self.namespace_labels}


def endpoints(objects: list[dict], namespace: str) -> list[Endpoint]:
    """Every pod template of the render (each Deployment's, Job's, ... pods)."""
    found = []
    for owner, holder in pod_templates(objects):
        ports = {
            str(p.get("name", p["containerPort"])): int(p["containerPort"])
            for c in holder["spec"]["containers"]
            for p in c.get("ports", [])
        }
        found.append(
            Endpoint(
                f"{owner['kind']}/{owner['metadata']['name']}",
                owner["metadata"].get("namespace", namespace),
                dict(holder["metadata"].get("labels", {})),
                ports,
            )
        )
    return found


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A label selector; an empty one selects everything."""
    if not selector:
        return True
    if "matchLabels" in selector or "matchExpressions" in selector:
        return matches(selector, labels)
    return all(labels.get(k) == v for k, v in selector.items())


def _types(policy: dict[str, Any]) -> list[str]:
    spec = policy["spec"]
    if "policyTypes" in spec:
        return list(spec["policyTypes"])
    return ["Ingress", *(["Egress"] if "egress" in spec else [])]


def _policies(objects: list[dict], pod: Endpoint, direction: str, namespace: str) -> list[dict]:
    return [
        p
        for p in objects
        if p["kind"] == "NetworkPolicy"
        and p["metadata"].get("namespace", namespace) == pod.namespace
        and _selects(p["spec"].get("podSelector"), pod.labels)
        and direction in _types(p)
    ]


def _peer_matches(peer: dict[str, Any], other: Endpoint, policy_namespace: str) -> bool:
    if "ipBlock" in peer:
        return False
    if "namespaceSelector" in peer:
        if not _selects(peer["namespaceSelector"], other.namespace_labelled()):
            return False
    elif other.namespace != policy_namespace:
        return False
    return _selects(peer.get("podSelector"), other.labels)


def _port_matches(rule: dict[str, Any], destination: Endpoint, port: int) -> bool:
    wanted = rule.get("ports")
    if not wanted:
        return True
    for item in wanted:
        if item.get("protocol", "TCP") != "TCP":
            continue
        if "port" not in item:
            return True
        given = item["port"]
        if isinstance(given, str) and not given.isdigit():
            if destination.ports.get(given) == port:
                return True
        elif int(given) <= port <= int(item.get("endPort", given)):
            return True
    return False


def allows(
    objects: list[dict], source: Endpoint, destination: Endpoint, port: int, namespace: str
) -> bool:
    """May `source` connect to `destination`'s pod port `port` (TCP)?"""
    for direction, pod, other, key, peers in (
        ("Egress", source, destination, "egress", "to"),
        ("Ingress", destination, source, "ingress", "from"),
    ):
        isolating = _policies(objects, pod, direction, namespace)
        if not isolating:
            continue  # not isolated in this direction: everything passes
        allowed = any(
            (
                not rule.get(peers)
                or any(_peer_matches(p, other, pod.namespace) for p in rule[peers])
            )
            and _port_matches(rule, destination, port)
            for policy in isolating
            for rule in policy["spec"].get(key) or []
        )
        if not allowed:
            return False
    return True


def service_target(
    objects: list[dict], url: str, namespace: str
) -> tuple[dict[str, Any], int | str]:
    """The Service an in-cluster URL names (`<svc>[.<ns>[.svc[.<domain>]]]:<port>`) and the
    targetPort its port maps to."""
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname, url
    labels = parts.hostname.split(".")
    name, service_namespace = labels[0], labels[1] if len(labels) > 1 else namespace
    default = 443 if parts.scheme == "https" else 80
    port = parts.port or default
    for service in objects:
        if (
            service["kind"] == "Service"
            and service["metadata"]["name"] == name
            and service["metadata"].get("namespace", namespace) == service_namespace
        ):
            for item in service["spec"]["ports"]:
                if int(item["port"]) == port:
                    return service, item.get("targetPort", port)
            raise AssertionError(f"Service {name} has no port {port} (from {url})")
    raise AssertionError(f"no Service {name} in {service_namespace} (from {url})")


def pod_port(destination: Endpoint, target: int | str) -> int:
    """The container port a Service's targetPort reaches on this pod."""
    if isinstance(target, str) and not target.isdigit():
        assert target in destination.ports, f"{destination.name} has no port named {target}"
        return destination.ports[target]
    return int(target)
