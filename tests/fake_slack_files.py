"""Slack's file upload flow, as the fake Slack (tests/fake_slack.py) answers it.

slack_sdk's `files_upload_v2` calls files.getUploadURLExternal for each file (the fake answers an
`upload_url` on itself, `/upload/<file id>`, and the file id), POSTs the file's bytes to that URL (the
fake keeps them), then calls files.completeUploadExternal once with the ids and titles, and the channel
to share them in (the fake checks each id was given and its bytes arrived, and records the share).
`uploaded_files()` gives what was shared, with the bytes, for tests to read the PNGs back.

`fail_next(UPLOAD_METHOD, …)` makes the upload POST answer HTTP 500, as Slack's file edge does.
"""

from __future__ import annotations

import json
import struct
import threading
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

# The name under which the upload POSTs (to the URL files.getUploadURLExternal gave) are recorded.
UPLOAD_METHOD = "file_upload"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class UploadedFile:
    """A file shared by files.completeUploadExternal."""

    file_id: str
    filename: str
    title: str | None
    alt_txt: str | None
    data: bytes
    channel_id: str | None
    initial_comment: str | None
    thread_ts: str | None


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; AssertionError when `data` is not a PNG."""
    assert data[:8] == PNG_MAGIC, "not a PNG: the magic bytes differ"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13, "not a PNG: the first chunk is not IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


class FileUploadMethods:
    """files.getUploadURLExternal, the upload POST and files.completeUploadExternal; mixed into FakeSlack."""

    _cond: threading.Condition
    port: int

    def _init_files(self) -> None:
        self._pending_files: dict[str, Json] = {}  # file id -> filename, length, alt_txt, data
        self._shared_files: list[UploadedFile] = []

    def _file_handlers(self) -> dict[str, Any]:
        return {"files.getUploadURLExternal": self._files_get_upload_url_external,
                "files.completeUploadExternal": self._files_complete_upload_external}

    def uploaded_files(self) -> list[UploadedFile]:
        """Every file shared so far, in order."""
        with self._cond:
            return list(self._shared_files)

    def _forget_files(self) -> None:
        with self._cond:
            self._pending_files.clear()
            self._shared_files.clear()

    def _files_get_upload_url_external(self, params: Json) -> Json:
        filename, length = params.get("filename"), params.get("length")
        if not filename or not str(length or "").isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        with self._cond:
            file_id = f"F{len(self._pending_files) + len(self._shared_files) + 1:08d}"
            self._pending_files[file_id] = {"filename": filename, "length": int(str(length)),
                                            "alt_txt": params.get("alt_txt"), "data": None}
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _receive_upload(self, file_id: str, body: bytes) -> tuple[int, Json]:
        """The upload POST: the bytes of a file files.getUploadURLExternal announced, of its length."""
        with self._cond:
            pending = self._pending_files.get(file_id)
            if pending is None:
                return 404, {"ok": False, "error": "file_not_found"}
            if len(body) != pending["length"]:
                return 400, {"ok": False, "error": "length_mismatch"}
            pending["data"] = body
        return 200, {"ok": True}

    def _files_complete_upload_external(self, params: Json) -> Json:
        files = params.get("files")
        if isinstance(files, str):
            files = json.loads(files)
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        with self._cond:
            if any(self._pending_files.get(str(f.get("id")), {}).get("data") is None for f in files):
                return {"ok": False, "error": "file_not_found"}
            shared = []
            for f in files:
                pending = self._pending_files.pop(str(f["id"]))
                shared.append(UploadedFile(
                    file_id=str(f["id"]), filename=pending["filename"], title=f.get("title"),
                    alt_txt=pending["alt_txt"], data=pending["data"], channel_id=params.get("channel_id"),
                    initial_comment=params.get("initial_comment"), thread_ts=params.get("thread_ts")))
            self._shared_files.extend(shared)
        return {"ok": True, "files": [{"id": s.file_id, "name": s.filename, "title": s.title} for s in shared]}
