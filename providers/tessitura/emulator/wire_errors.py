"""Tessitura's error answer: a JSON array of ``ErrorMessage`` objects.

Raised anywhere in a handler, ``TessituraApiError`` becomes that array with its status, so
validation code reads as plain Python and the wire shape lives in one place.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
}


class TessituraApiError(Exception):
    """An answer other than success, carrying what the error array says."""

    def __init__(
        self, status: int, description: str, *, error_path: str = "", details: str = ""
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.error_path = error_path
        self.details = details

    def to_response(self) -> Response:
        return error_array_response(
            self.status, self.description, error_path=self.error_path, details=self.details
        )


def error_array_response(
    status: int, description: str, *, error_path: str = "", details: str = ""
) -> Response:
    """The ``[{"Code", "Description", "Details", "ErrorPath"}]`` body Tessitura answers with."""
    body = [
        {
            "Code": _CODES.get(status, str(status)),
            "Description": description,
            "Details": details,
            "ErrorPath": error_path,
        }
    ]
    headers = {"WWW-Authenticate": 'Basic realm="TessituraService"'} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)

