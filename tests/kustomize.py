"""The part of kustomize the manifests in deploy/kubernetes use (resources, namespace, images,
inline JSON 6902 patches), so they are rendered and validated offline without kubectl. Any other
kustomization key is refused rather than ignored."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

KNOWN_KEYS = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
CLUSTER_SCOPED = {"Namespace"}


def render(directory: Path) -> list[dict[str, Any]]:
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(spec) - KNOWN_KEYS
    assert not unknown, f"{directory}: kustomization keys this renderer does not know: {unknown}"
    out: list[dict[str, Any]] = []
    for entry in spec.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            out.extend(render(path))
        else:
            out.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    for patch in spec.get("patches", []):
        target = patch["target"]
        matched = [r for r in out if r["kind"] == target["kind"] and r["metadata"]["name"] == target["name"]]
        assert len(matched) == 1, f"patch target {target} matches {len(matched)} resources"
        for op in yaml.safe_load(patch["patch"]):
            _apply(matched[0], op)
    for image in spec.get("images", []):
        for resource in out:
            for container in containers(resource):
                if container["image"].split(":")[0] == image["name"]:
                    container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    if "namespace" in spec:
        for resource in out:
            if resource["kind"] not in CLUSTER_SCOPED:
                resource["metadata"]["namespace"] = spec["namespace"]
    return out


def pod_spec(resource: dict[str, Any]) -> dict[str, Any] | None:
    spec = resource.get("spec", {})
    if resource["kind"] == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]["spec"]
    if resource["kind"] in {"Deployment", "Job", "StatefulSet", "DaemonSet"}:
        return spec["template"]["spec"]
    return None


def containers(resource: dict[str, Any]) -> list[dict[str, Any]]:
    pod = pod_spec(resource)
    return [] if pod is None else pod.get("initContainers", []) + pod["containers"]


def _apply(doc: dict[str, Any], op: dict[str, Any]) -> None:
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) and last != "-" else last
    if op["op"] == "replace":
        assert (key < len(node)) if isinstance(node, list) else key in node, (
            f"nothing to replace at {op['path']}"
        )
        node[key] = copy.deepcopy(op["value"])
    elif op["op"] == "add":
        if isinstance(node, list):
            node.insert(len(node) if key == "-" else key, copy.deepcopy(op["value"]))
        else:
            node[key] = copy.deepcopy(op["value"])
    elif op["op"] == "remove":
        del node[key]
    else:
        raise AssertionError(f"patch op {op['op']!r} is not supported here")
