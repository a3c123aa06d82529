"""getFile, and reading the file a send names (an upload or a file_id)."""

from __future__ import annotations

from ..state import TelegramState
from ..wire import JsonDict, UploadedFile, bad_request


class FileMethods(TelegramState):
    """getFile: the download path of a file the bot sent."""

    async def _get_file(self, params: JsonDict, files: dict[str, UploadedFile]) -> JsonDict:
        file_id = params.get("file_id")
        upload = self._files.get(file_id) if isinstance(file_id, str) else None
        if upload is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(upload.data),
            "file_path": file_id,
        }


def _input_file(
    kind: str, params: JsonDict, files: dict[str, UploadedFile]
) -> tuple[UploadedFile | None, str | None]:
    value = params.get(kind)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = files.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"there is no {kind} in the request")
        return upload, None
    if kind in files:
        return files[kind], None
    if isinstance(value, str) and value:
        return None, value
    raise bad_request(f"there is no {kind} in the request")
