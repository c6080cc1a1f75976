from __future__ import annotations

import io
from typing import Any

from terakoya.contacts.imports import services
from terakoya.contacts.imports.models import ImportJob


def csv_bytes(text: str, encoding: str = "utf-8") -> io.BytesIO:
    return io.BytesIO(text.encode(encoding))


def run_file(
    workspace: Any,
    text: str | bytes,
    *,
    actor: Any = None,
    encoding: str = "utf-8",
    mapping: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
) -> ImportJob:
    """Upload, map (suggested mapping plus overrides) and run an import synchronously."""
    raw = io.BytesIO(text if isinstance(text, bytes) else text.encode(encoding))
    job = services.create_import(workspace, uploaded_file=raw, filename="c.csv", actor=actor)
    services.set_mapping(
        workspace,
        job,
        mapping={**job.mapping, **(mapping or {})},
        options=options or {},
        actor=actor,
    )
    return services.execute_import(workspace, job, actor=actor)
