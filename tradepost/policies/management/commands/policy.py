"""`tradepost policy show|validate|activate|list`: inspect, check and activate store policies."""

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tradepost.core.exceptions import ApplicationError
from tradepost.policies.documents import policy_document, to_toml
from tradepost.policies.loading import load_policy_file, load_preset, preset_names, preset_path
from tradepost.policies.models import PolicyVersion
from tradepost.policies.schema import StorePolicy
from tradepost.policies.selectors import (
    policy_active_number,
    policy_from_version,
    policy_version,
    policy_versions,
)
from tradepost.policies.services import policy_activate


class Command(BaseCommand):
    help = "Show, validate, activate and list store policy versions."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        show = actions.add_parser("show", help="Print the active policy, or one version.")
        show.add_argument("--version", type=int, dest="number", metavar="N", help="Version number.")
        show.add_argument("--format", choices=["toml", "json"], default="toml", dest="output_format")

        validate = actions.add_parser("validate", help="Check preset names or TOML files without activating.")
        validate.add_argument("targets", nargs="+", metavar="PRESET_OR_FILE")

        activate = actions.add_parser("activate", help="Make a preset or a TOML file the active policy.")
        source = activate.add_mutually_exclusive_group(required=True)
        source.add_argument("--preset", metavar="NAME", help=f"One of: {', '.join(preset_names())}.")
        source.add_argument("file", nargs="?", metavar="FILE", help="Path to a TOML policy file.")
        activate.add_argument("--note", default="", help="Why this version was activated.")
        activate.add_argument(
            "--by",
            dest="actor_email",
            metavar="EMAIL",
            default=None,
            help="Staff account recorded as the one who activated it.",
        )

        actions.add_parser("list", help="List every version, newest first.")

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

    def _show(self, *, number: int | None, output_format: str, **_):
        active = policy_active_number()
        if number is None:
            if active is None:
                raise CommandError(
                    "No store policy is active yet; run `tradepost policy activate --preset NAME`"
                )
            number = active
        version = policy_version(number)
        # Re-dumped from the typed policy so fields keep the schema's order (PostgreSQL reorders JSON keys).
        document = policy_document(policy_from_version(version))
        created_by = version.created_by.email if version.created_by else "command line"
        if output_format == "json":
            envelope = {
                "version": version.number,
                "active": version.number == active,
                "preset": version.preset,
                "digest": version.digest,
                "source": version.source,
                "note": version.note,
                "created_at": version.created_at.isoformat(),
                "created_by": version.created_by.email if version.created_by else None,
                "policy": document,
            }
            self.stdout.write(json.dumps(envelope, indent=2, ensure_ascii=False))
            return
        status = "active" if version.number == active else f"superseded; active is {active}"
        header = [
            f"# Store policy version {version.number} ({status})",
            f"# preset: {version.preset}   source: {version.source}",
            f"# digest: sha256:{version.digest}",
            f"# created: {version.created_at:%Y-%m-%d %H:%M:%S %Z} by {created_by}",
        ]
        if version.note:
            header.append(f"# note: {' '.join(version.note.split())}")
        self.stdout.write("\n".join(header) + "\n\n" + to_toml(document), ending="")

    def _validate(self, *, targets: list[str], **_):
        failures = 0
        for target in targets:
            try:
                _, source = _load(target)
            except ApplicationError as exc:
                failures += 1
                self.stderr.write(exc.message)
            else:
                self.stdout.write(f"OK {source}")
        if failures:
            raise CommandError(f"{failures} of {len(targets)} policies are not valid")

    def _activate(self, *, preset: str | None, file: str | None, note: str, actor_email: str | None, **_):
        actor = None
        if actor_email:
            actor = get_user_model().objects.filter(email__iexact=actor_email, is_staff=True).first()
            if actor is None:
                raise CommandError(f"--by: no staff account with the email {actor_email}")
        policy, source = _load(file) if file else _load_preset(preset)
        version, created = policy_activate(policy=policy, source=Path(source).name, note=note, actor=actor)
        if created:
            self.stdout.write(f"activated version {version.number}")
        else:
            self.stdout.write(f"unchanged: version {version.number} is already this policy")

    def _list(self, **_):
        active = policy_active_number()
        rows = list(policy_versions())
        if not rows:
            self.stdout.write("No policy versions yet.")
            return
        for version in rows:
            self.stdout.write(_list_line(version, active=version.number == active))


def _load_preset(name: str) -> tuple[StorePolicy, str]:
    return load_preset(name), preset_path(name).name


def _load(target: str) -> tuple[StorePolicy, str]:
    """Load a preset by name or a policy file by path, whichever the argument looks like."""
    path = Path(target)
    if path.exists() or path.suffix == ".toml" or len(path.parts) > 1:
        return load_policy_file(path), str(path)
    return _load_preset(target)


def _list_line(version: PolicyVersion, *, active: bool) -> str:
    marker = "*" if active else " "
    created_by = version.created_by.email if version.created_by else "-"
    note = f"  {version.note.splitlines()[0]}" if version.note else ""
    return (
        f"{marker} v{version.number:<4} {version.preset:<12} {version.digest[:12]}  "
        f"{version.created_at:%Y-%m-%d %H:%M}  {created_by:<24} {version.source}{note}"
    )
