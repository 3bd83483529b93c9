"""A read-only fake Kubernetes API, so `helm template --dry-run=server` can answer the chart's
`lookup` calls from objects a test chooses (what an upgrade finds running), without a cluster.

It serves discovery for the kinds the chart renders and GET of the objects given; anything else
is 404. Helm is pointed at it with a kubeconfig (`kubeconfig()`), and needs
`--disable-openapi-validation` as no OpenAPI document is served.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

RESOURCES = {
    "v1": {
        "configmaps": "ConfigMap",
        "secrets": "Secret",
        "services": "Service",
        "serviceaccounts": "ServiceAccount",
        "namespaces": "Namespace",
        "pods": "Pod",
    },
    "apps/v1": {
        "deployments": "Deployment",
        "statefulsets": "StatefulSet",
        "daemonsets": "DaemonSet",
    },
    "batch/v1": {"jobs": "Job"},
    "networking.k8s.io/v1": {"networkpolicies": "NetworkPolicy", "ingresses": "Ingress"},
    "policy/v1": {"poddisruptionbudgets": "PodDisruptionBudget"},
    "autoscaling/v2": {"horizontalpodautoscalers": "HorizontalPodAutoscaler"},
}
PLURAL = {kind: plural for group in RESOURCES.values() for plural, kind in group.items()}


def path_of(obj: dict[str, Any]) -> str:
    """The API path of an object, as Helm's lookup asks for it."""
    api = obj["apiVersion"]
    prefix = "api/v1" if api == "v1" else f"apis/{api}"
    meta = obj["metadata"]
    return f"{prefix}/namespaces/{meta['namespace']}/{PLURAL[obj['kind']]}/{meta['name']}"


def _handler(objects: dict[str, dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split("?")[0].strip("/")
            if path == "version":
                return self._send(200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0"})
            if path == "api":
                return self._send(200, {"kind": "APIVersions", "versions": ["v1"]})
            if path == "apis":
                groups = [
                    {
                        "name": gv.split("/")[0],
                        "versions": [{"groupVersion": gv, "version": gv.split("/")[1]}],
                        "preferredVersion": {"groupVersion": gv, "version": gv.split("/")[1]},
                    }
                    for gv in RESOURCES
                    if "/" in gv
                ]
                return self._send(
                    200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
                )
            group = path.removeprefix("api/").removeprefix("apis/")
            if group in RESOURCES:
                resources = [
                    {"name": n, "namespaced": k != "Namespace", "kind": k, "verbs": ["get", "list"]}
                    for n, k in RESOURCES[group].items()
                ]
                return self._send(
                    200, {"kind": "APIResourceList", "groupVersion": group, "resources": resources}
                )
            if path in objects:
                return self._send(200, objects[path])
            return self._send(
                404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404}
            )

    return Handler


@contextmanager
def fake_cluster(objects: list[dict[str, Any]], workdir: Path) -> Iterator[Path]:
    """Serve `objects` for the duration; yields a kubeconfig that points at them."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler({path_of(o): o for o in objects}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kubeconfig = workdir / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "fake",
                        "cluster": {"server": f"http://127.0.0.1:{server.server_port}"},
                    }
                ],
                "users": [{"name": "fake", "user": {"token": "fake"}}],
                "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake"}}],
                "current-context": "fake",
            }
        )
    )
    try:
        yield kubeconfig
    finally:
        server.shutdown()
        server.server_close()


def deployment(name: str, container: str, image: str, namespace: str = "erp-system") -> dict:
    """A running Deployment as the API returns it (only what the chart's lookup reads)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"spec": {"containers": [{"name": container, "image": image}]}}},
    }
