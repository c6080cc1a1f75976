"""Private files: uploads that are never public.

Every upload that belongs to a workspace (contact imports, and later downloads, attachments,
chat files) is stored in the *private* storage, rooted at ``TERAKOYA_PRIVATE_ROOT`` (outside the
public media root), under a random name. It has no URL: staff or customers get a file through a
view that checks their workspace and role and then answers with ``protected_file_response``,
which streams it, or — with ``TERAKOYA_SENDFILE`` — hands it to the web server in front
(nginx ``X-Accel-Redirect``, Apache/lighttpd ``X-Sendfile``).

Only truly public files (workspace logos) use the *public* storage (``MEDIA_ROOT``, served
under ``MEDIA_URL``). The ``default`` storage is the private one, so a file field that forgets
to name its storage is private.
"""

from __future__ import annotations

import re
import secrets
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.checks import CheckMessage, register
from django.core.checks import Error as CheckError
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header

SENDFILE_MODES = ("", "nginx", "apache")


class PrivateStorage(FileSystemStorage):
    """The local private storage: ``settings.TERAKOYA_PRIVATE_ROOT``, and no URLs."""

    def __init__(self, location: Any = None, **kwargs: Any) -> None:
        self._private_location = location
        super().__init__(location=location, **kwargs)

    @cached_property
    def base_location(self) -> Any:
        return self._value_or_setting(self._private_location, settings.TERAKOYA_PRIVATE_ROOT)

    def _clear_cached_properties(self, setting: Any, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "TERAKOYA_PRIVATE_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError(
            "Private files have no URL: serve them through a view that checks permissions "
            "and answers with terakoya.core.private_files.protected_file_response."
        )


def private_storage() -> Storage:
    """The storage of private uploads (``STORAGES["private"]``); give it to file fields as
    ``storage=private_storage`` (a callable, so migrations do not depend on settings)."""
    return storages["private"]


def public_storage() -> Storage:
    """The storage of public files such as logos (``STORAGES["public"]``)."""
    return storages["public"]


_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}")


@deconstructible
class RandomName:
    """``upload_to`` that ignores the uploaded name: ``<folder>/<24 random characters>.<ext>``
    (the extension is kept when it is short and plain). The name a person gave the file is
    kept on the model instead, for display and as the download's file name."""

    def __init__(self, folder: str) -> None:
        self.folder = folder.strip("/")

    def __call__(self, instance: Any, filename: str) -> str:
        suffix = PurePosixPath(filename or "").suffix.lower()
        if not _SUFFIX.fullmatch(suffix):
            suffix = ""
        return f"{self.folder}/{secrets.token_urlsafe(18)}{suffix}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)


def protected_file_response(
    file: FieldFile, *, filename: str, content_type: str = "application/octet-stream"
) -> HttpResponseBase:
    """Answer with a stored private file as an attachment named ``filename``.

    Call it only after checking who may read the file. A file that is gone is a 404. With
    ``TERAKOYA_SENDFILE=nginx`` the body is left to nginx (``X-Accel-Redirect`` to
    ``TERAKOYA_SENDFILE_PREFIX`` + the file's name), with ``apache`` to mod_xsendfile or
    lighttpd (``X-Sendfile`` with its absolute path); otherwise it is streamed from here."""
    if not file or not file.name:
        raise Http404
    storage = file.storage
    mode = settings.TERAKOYA_SENDFILE
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    if mode and isinstance(storage, FileSystemStorage):
        if not storage.exists(file.name):
            raise Http404
        response = HttpResponse(content_type=content_type)
        if mode == "nginx":
            prefix = settings.TERAKOYA_SENDFILE_PREFIX.rstrip("/")
            response["X-Accel-Redirect"] = f"{prefix}/{quote(file.name)}"
        else:
            response["X-Sendfile"] = storage.path(file.name)
        if disposition:
            response["Content-Disposition"] = disposition
        return response
    try:
        handle = storage.open(file.name, "rb")
    except (FileNotFoundError, IsADirectoryError):
        raise Http404
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


@register()
def check_private_root(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The private root must not be (inside) a directory that is served to anyone."""
    from pathlib import Path

    private = Path(settings.TERAKOYA_PRIVATE_ROOT).resolve()
    errors: list[CheckMessage] = []
    for setting in ("MEDIA_ROOT", "STATIC_ROOT"):
        served = Path(getattr(settings, setting)).resolve()
        if private == served or served in private.parents or private in served.parents:
            errors.append(
                CheckError(
                    f"TERAKOYA_PRIVATE_ROOT ({private}) overlaps {setting} ({served}), "
                    "which is served publicly.",
                    hint="Keep private uploads in a directory of their own.",
                    id="terakoya.E001",
                )
            )
    return errors
