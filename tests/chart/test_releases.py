"""Migrations and password sync across the release's life: a migration Job per release it
prepares (stable, canary, each blue-green slot) with that release's image; a first install that
converges under `helm install --wait`, Flux and Argo CD (plain Jobs, no post-install hook); hooks
on upgrade, skipping what already runs; and a changed database password that reaches the role."""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.chart.conftest import (
    CHART,
    HELM,
    NAMESPACE,
    PROFILES,
    Render,
    by_kind,
    find,
    matches,
    require_helm,
)
from tests.chart.fake_api import deployment, fake_cluster

UPGRADE = ("--is-upgrade",)
IMAGE = "ghcr.io/erp-system/erp"


def migration_jobs(objects: list[dict]) -> dict[str, dict]:
    return {
        j["metadata"]["name"]: j
        for j in by_kind(objects, "Job")
        if j["metadata"]["labels"]["app.kubernetes.io/component"] == "migrations"
        and "erp-system/service" in j["metadata"]["labels"]
    }


def image(job: dict) -> str:
    return job["spec"]["template"]["spec"]["containers"][0]["image"]


def weight(job: dict) -> int:
    return int(job["metadata"]["annotations"]["helm.sh/hook-weight"])


def deployment_image(objects: list[dict], name: str) -> str:
    return find(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]["image"]


# --- 1. each Job runs the image of the release it prepares -------------------------------


def test_canary_migrations_run_the_canary_image_after_the_stable_one(render: Render) -> None:
    objects = render("canary-nginx", flags=UPGRADE)
    jobs = migration_jobs(objects)
    for service in ("gateway", "reporting", "inventory"):
        stable = jobs[f"erp-system-{service}-migrate"]
        canary = jobs[f"erp-system-{service}-canary-migrate"]
        assert image(stable) == deployment_image(objects, f"erp-system-{service}")
        assert image(canary) == deployment_image(objects, f"erp-system-{service}-canary")
        assert image(canary) == f"{IMAGE}:0.2.0" and image(stable) == f"{IMAGE}:0.1.0"
        assert weight(stable) < weight(canary), "the older release migrates first"
        assert canary["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate", service]
        assert canary["metadata"]["labels"]["track"] == "canary"
    # finance runs no canary: one Job, its own image.
    assert [n for n in jobs if "finance" in n] == ["erp-system-finance-migrate"]


def test_each_blue_green_slot_migrates_with_its_own_tag(render: Render) -> None:
    objects = render("blue-green", flags=UPGRADE)
    jobs = migration_jobs(objects)
    for service in ("gateway", "inventory"):
        for slot, tag in (("blue", "0.1.0"), ("green", "0.2.0")):
            job = jobs[f"erp-system-{service}-{slot}-migrate"]
            assert image(job) == f"{IMAGE}:{tag}"
            assert image(job) == deployment_image(objects, f"erp-system-{service}-{slot}")
            assert job["metadata"]["labels"]["track"] == slot
        # inventory is live on green (0.2.0): the idle blue (0.1.0) is still the older release.
        blue, green = (
            jobs[f"erp-system-{service}-blue-migrate"],
            jobs[f"erp-system-{service}-green-migrate"],
        )
        assert weight(blue) < weight(green)
    assert "erp-system-gateway-migrate" not in jobs


def test_without_semantic_versions_the_live_release_migrates_first(render: Render) -> None:
    jobs = migration_jobs(
        render(
            "blue-green",
            "services.gateway.blueGreen.blue.tag=build-zz",
            "services.gateway.blueGreen.green.tag=build-aa",
            flags=UPGRADE,
        )
    )
    live, staged = jobs["erp-system-gateway-blue-migrate"], jobs["erp-system-gateway-green-migrate"]
    assert weight(live) < weight(staged)
    assert image(staged) == f"{IMAGE}:build-aa"


def test_a_canary_pinned_by_digest_migrates_with_that_digest(render: Render) -> None:
    digest = "sha256:" + "a" * 64
    jobs = migration_jobs(
        render(
            "canary-nginx",
            "services.gateway.canary.tag=",
            f"services.gateway.canary.digest={digest}",
            flags=UPGRADE,
        )
    )
    assert image(jobs["erp-system-gateway-canary-migrate"]).endswith(f"@{digest}")


def test_slots_with_one_image_share_one_job(render: Render) -> None:
    jobs = migration_jobs(
        render("blue-green", "services.gateway.blueGreen.green.tag=0.1.0", flags=UPGRADE)
    )
    assert [n for n in jobs if n.startswith("erp-system-gateway")] == [
        "erp-system-gateway-blue-migrate"
    ]


def test_a_contract_release_passes_allow_breaking_to_the_services_named(render: Render) -> None:
    """`erp migrate` refuses a migration that stops the running release's code from serving
    unless asked: the contract step of expand/contract ships in a later release with it."""
    for flags in ((), UPGRADE):
        jobs = migration_jobs(render("default", "migrations.allowBreaking={finance}", flags=flags))
        for job in jobs.values():
            args = job["spec"]["template"]["spec"]["containers"][0]["args"]
            service = job["metadata"]["labels"]["erp-system/service"]
            assert args == [
                "migrate",
                service,
                *(["--allow-breaking"] if service == "finance" else []),
            ]
    for job in migration_jobs(render("default", flags=UPGRADE)).values():
        assert "--allow-breaking" not in job["spec"]["template"]["spec"]["containers"][0]["args"]


# --- 2. first install: part of the release; upgrade: hooks --------------------------------


@pytest.mark.parametrize("profile", ["default", "blue-green", "canary-nginx", "minimal"])
def test_first_install_runs_migrations_without_waiting_for_ready_pods(
    render: Render, profile: str
) -> None:
    """No Job of a first install is a post-install hook (Helm --wait, Flux and Argo CD would wait
    for ready pods first, and the pods are ready only after the migrations): with the chart's
    PostgreSQL each is a plain Job of the release that waits for the database and retries,
    marked as an Argo CD Sync hook (Argo renders every sync as an install)."""
    objects = render(profile)
    jobs = by_kind(objects, "Job")
    assert jobs
    for job in jobs:
        notes = job["metadata"]["annotations"]
        assert not any(k.startswith("helm.sh/hook") for k in notes), job["metadata"]["name"]
        assert notes["argocd.argoproj.io/hook"] == "Sync"
        assert notes["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
        assert job["metadata"]["name"].endswith("-install")
        assert job["spec"]["backoffLimit"] >= 1
        script = yaml.safe_dump(job["spec"]["template"]["spec"])
        assert "pg_isready" in script, "it waits for PostgreSQL"
    # Only the newest release of a service migrates on install (its schema serves the older).
    names = set(migration_jobs(objects))
    if profile == "canary-nginx":
        assert "erp-system-gateway-canary-migrate-install" in names
        assert "erp-system-gateway-migrate-install" not in names
    if profile == "blue-green":
        assert "erp-system-gateway-green-migrate-install" in names
        assert "erp-system-gateway-blue-migrate-install" not in names
        assert image(find(objects, "Job", "erp-system-gateway-green-migrate-install")).endswith(
            ":0.2.0"
        )


def test_upgrades_migrate_in_pre_upgrade_hooks(render: Render) -> None:
    for profile in ("default", "external-db", "canary-nginx"):
        for job in by_kind(render(profile, flags=UPGRADE), "Job"):
            notes = job["metadata"]["annotations"]
            # Migrations never run on a rollback (pre-rollback): nothing migrates down.
            expected = (
                "pre-upgrade,pre-rollback"
                if "passwords" in job["metadata"]["name"]
                else "pre-upgrade"
            )
            assert notes["helm.sh/hook"] == expected, job["metadata"]["name"]
            assert "before-hook-creation" in notes["helm.sh/hook-delete-policy"]
            assert not any(k.startswith("argocd.argoproj.io") for k in notes)
            assert not job["metadata"]["name"].endswith("-install")


def test_an_external_database_migrates_pre_install(render: Render) -> None:
    """Everything the Jobs read exists beforehand: they run before any pod of the release."""
    for job in by_kind(render("external-db"), "Job"):
        assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install"
    forced = render("default", "migrations.installPhase=resource")
    assert all("helm.sh/hook" not in j["metadata"]["annotations"] for j in by_kind(forced, "Job"))


def test_install_and_upgrade_jobs_never_share_a_name(render: Render) -> None:
    """An install Job is part of revision 1; a hook of the same name would collide with it on
    `helm rollback` to that revision."""
    for profile in ("default", "canary-nginx", "blue-green"):
        install = {j["metadata"]["name"] for j in by_kind(render(profile), "Job")}
        upgrade = {j["metadata"]["name"] for j in by_kind(render(profile, flags=UPGRADE), "Job")}
        assert install and upgrade and not install & upgrade


def helm_against(kubeconfig: Path, profile: str, *args: str) -> list[dict]:
    require_helm()
    cmd = [
        str(HELM), "template", "erp-system", str(CHART), "--namespace", NAMESPACE,
        "-f", str(PROFILES / f"{profile}-values.yaml"), "--dry-run=server",
        "--disable-openapi-validation", *args,
    ]  # fmt: skip
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def test_an_upgrade_migrates_only_releases_that_are_not_running(tmp_path: Path) -> None:
    """`erp migrate` with a release's code refuses a schema newer than that code: the stable
    Job of a canary that already migrated would fail every later upgrade (a weight change, an
    abort). So an upgrade runs a Job only for a release whose image is not running yet."""
    running = [
        deployment("erp-system-gateway", "gateway", f"{IMAGE}:0.1.0"),  # stable, unchanged
        deployment("erp-system-inventory", "inventory", f"{IMAGE}:0.1.0"),
        deployment("erp-system-inventory-canary", "inventory", f"{IMAGE}:0.2.0"),  # both running
        deployment("erp-system-reporting", "reporting", f"{IMAGE}:0.0.9"),  # stable moves on
    ]
    with fake_cluster(running, tmp_path) as kubeconfig:
        objects = helm_against(kubeconfig, "canary-nginx", "--is-upgrade")
    jobs = migration_jobs(objects)
    assert sorted(jobs) == [
        "erp-system-finance-migrate",  # no Deployment yet
        "erp-system-gateway-canary-migrate",  # the new canary
        "erp-system-reporting-canary-migrate",
        "erp-system-reporting-migrate",  # 0.0.9 -> 0.1.0
    ]
    assert weight(jobs["erp-system-reporting-migrate"]) < weight(
        jobs["erp-system-reporting-canary-migrate"]
    )
    # Aborting the canary (back to rolling) runs no Job for the stable release it left running.
    with fake_cluster(running, tmp_path) as kubeconfig:
        aborted = helm_against(
            kubeconfig, "canary-nginx", "--is-upgrade",
            "--set", "services.gateway.releaseStrategy=rolling",
            "--set", "services.inventory.releaseStrategy=rolling",
        )  # fmt: skip
    assert "erp-system-gateway-migrate" not in migration_jobs(aborted)
    assert "erp-system-inventory-migrate" not in migration_jobs(aborted)


# --- 3. a changed database password reaches the PostgreSQL role ---------------------------


def password_job(objects: list[dict]) -> dict:
    (job,) = [j for j in by_kind(objects, "Job") if "passwords" in j["metadata"]["name"]]
    return job


def secret_volumes(job: dict) -> dict[str, str]:
    return {
        v["name"]: v["secret"]["secretName"]
        for v in job["spec"]["template"]["spec"]["volumes"]
        if "secret" in v
    }


def test_a_changed_database_password_is_set_on_the_role_before_the_new_pods_start(
    render: Render,
) -> None:
    change = "secrets.databasePasswords.gateway=rotated-gateway-password-0123456789"
    before = render("default", flags=UPGRADE)
    after = render("default", change, flags=UPGRADE)
    job = password_job(after)
    notes = job["metadata"]["annotations"]
    # Before a rollback to this revision too: it restores this revision's Secret.
    assert notes["helm.sh/hook"] == "pre-upgrade,pre-rollback"
    # After the migrations (they still log in with the current password), before the rollout.
    assert all(
        weight(j) < int(notes["helm.sh/hook-weight"]) for j in migration_jobs(after).values()
    )
    # It reads the new passwords from a hook Secret (the release Secret is written after the
    # pre-upgrade hooks) and falls back to the current superuser password.
    volumes = secret_volumes(job)
    assert volumes == {"new": "erp-system-postgresql-passwords", "current": "erp-system"}
    hook_secret = find(after, "Secret", "erp-system-postgresql-passwords")
    assert hook_secret["metadata"]["annotations"]["helm.sh/hook"] == "pre-upgrade,pre-rollback"
    assert int(hook_secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < 0
    assert "hook-succeeded" in hook_secret["metadata"]["annotations"]["helm.sh/hook-delete-policy"]
    assert hook_secret["stringData"]["gateway-database-password"] == change.split("=", 1)[1]
    release_secret = find(after, "Secret", "erp-system")["stringData"]
    assert change.split("=", 1)[1] in release_secret["gateway-database-url"]
    script = job["spec"]["template"]["spec"]["containers"][0]["command"][2]
    assert "ALTER ROLE %I WITH LOGIN PASSWORD %L" in script
    assert "sync_role erp_gateway erp_gateway /run/secrets/new/gateway-database-password" in script
    assert "ALTER ROLE postgres PASSWORD" in script
    assert "/run/secrets/current/postgres-password" in script

    def template_notes(objects: list[dict], kind: str, name: str) -> dict:
        return find(objects, kind, name)["spec"]["template"]["metadata"]["annotations"]

    # The services roll onto the new URL; Redis and PostgreSQL themselves do not restart.
    assert (
        template_notes(before, "Deployment", "erp-system-gateway")["checksum/secret"]
        != template_notes(after, "Deployment", "erp-system-gateway")["checksum/secret"]
    )
    for kind, name in (
        ("StatefulSet", "erp-system-redis"),
        ("StatefulSet", "erp-system-postgresql"),
    ):
        assert template_notes(before, kind, name) == template_notes(after, kind, name)
    # The hook Secret and the release Secret carry the same passwords.
    for key, value in hook_secret["stringData"].items():
        assert release_secret[key] == value


def test_password_sync_on_install_and_with_an_existing_secret(render: Render) -> None:
    install = password_job(render("default"))
    assert install["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "Sync"
    assert secret_volumes(install) == {"new": "erp-system", "current": "erp-system"}
    existing = render("blue-green", flags=UPGRADE)
    assert secret_volumes(password_job(existing)) == {
        "new": "erp-system-secrets",
        "current": "erp-system-secrets",
    }
    assert not by_kind(existing, "Secret"), "no hook Secret: the operator's Secret is updated"
    off = render("default", "postgresql.rotatePasswords=false", flags=UPGRADE)
    assert not [j for j in by_kind(off, "Job") if "passwords" in j["metadata"]["name"]]
    assert not by_kind(render("external-db", flags=UPGRADE), "Secret")


def test_the_password_sync_pod_may_reach_postgresql(render: Render) -> None:
    objects = render("default", "migrations.enabled=false")
    pod = password_job(objects)["spec"]["template"]["metadata"]["labels"]
    policy = find(objects, "NetworkPolicy", "erp-system-postgresql")["spec"]["ingress"][0]["from"]
    assert any(matches(p["podSelector"], pod) for p in policy)
    egress = find(objects, "NetworkPolicy", "erp-system-migrations")
    assert matches(egress["spec"]["podSelector"], pod)


def test_a_database_password_first_missing_on_an_upgrade_is_the_same_in_both_secrets(
    tmp_path: Path,
) -> None:
    """A service added after the install has no password in the live Secret: the release Secret
    and the hook Secret, rendered apart, must not each generate their own."""

    def b64(value: str) -> str:
        return base64.b64encode(value.encode()).decode()

    live = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "erp-system", "namespace": "erp-system"},
        "data": {
            "postgres-password": b64("live-superuser-password-0123456789"),
            "gateway-database-password": b64("live-gateway-password-0123456789"),
            "jwt-secret": b64("j" * 48),
            "admin-password": b64("a" * 32),
            "redis-password": b64("r" * 32),
        },
    }
    values = tmp_path / "no-fixed-secrets.yaml"
    values.write_text(yaml.safe_dump({"secrets": {"databasePasswords": {}}}))
    with fake_cluster([live], tmp_path) as kubeconfig:
        objects = helm_against(
            kubeconfig,
            "minimal",
            "--is-upgrade",
            "--set",
            "secrets.existingSecret=",
            "-f",
            str(values),
        )
    release = find(objects, "Secret", "erp-system")["stringData"]
    hook = find(objects, "Secret", "erp-system-postgresql-passwords")["stringData"]
    assert release["gateway-database-password"] == "live-gateway-password-0123456789"
    assert release["postgres-password"] == hook["postgres-password"]
    for service in ("inventory", "finance", "reporting"):
        key = f"{service}-database-password"
        assert release[key] == hook[key] and len(release[key]) == 32
