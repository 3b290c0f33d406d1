"""Multipart request bodies made as they are read, so a test can send "300 MiB" without holding
it and see exactly how much of it the desk read (issue 13's upload findings)."""

from __future__ import annotations

MiB = 1024 * 1024
BOUNDARY = "pledgedesk-test-boundary"


class StreamedBody:
    """A multipart body with text ``fields`` and one file of ``file_bytes`` bytes, produced
    as it is read; ``read_bytes`` counts what the server took."""

    def __init__(self, fields: dict[str, str], *, file_field: str, file_bytes: int):
        head = b"".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode() for name, value in fields.items())
        head += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '
                 f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 ).encode()
        self._pieces = [head, file_bytes, f"\r\n--{BOUNDARY}--\r\n".encode()]
        self.length = len(head) + file_bytes + len(self._pieces[2])
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while self._pieces and (size < 0 or len(out) < size):
            want = -1 if size < 0 else size - len(out)
            piece = self._pieces[0]
            if isinstance(piece, int):  # the file: that many bytes still to make
                take = piece if want < 0 else min(piece, want)
                out += b"x" * take
                self._pieces[0] = piece - take
                if self._pieces[0] == 0:
                    self._pieces.pop(0)
            else:
                take = piece if want < 0 else piece[:want]
                out += take
                rest = piece[len(take):]
                if rest:
                    self._pieces[0] = rest
                else:
                    self._pieces.pop(0)
        self.read_bytes += len(out)
        return bytes(out)

    def readline(self, size: int = -1) -> bytes:
        raise NotImplementedError("multipart parsing reads in chunks, not lines")

    def environ(self, *, declared: int | None) -> dict:
        """What to pass to the test client: this body as ``wsgi.input``, with the length the
        client declares (None: no Content-Length at all)."""
        extra = {"wsgi.input": self,
                 "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}"}
        if declared is not None:
            extra["CONTENT_LENGTH"] = str(declared)
        return extra
