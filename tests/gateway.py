"""A provider gateway for the tests of the ``http`` providers: a real HTTP server on 127.0.0.1,
in a thread, that records every request and answers what the test told it to (no mock of
``requests``: the providers' requests really travel over HTTP)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"


@dataclass
class GatewayServer:
    requests: list[Recorded] = field(default_factory=list)
    routes: dict[tuple[str, str], list[Answer]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                gateway.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body))
                answers = gateway.routes.get((self.command, self.path))
                answer = (answers.pop(0) if len(answers) > 1 else answers[0]) if answers else Answer(404, b"{}")
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = do_POST = _serve

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def answer(self, method: str, path: str, *, status: int = 200, json_body=None, body: bytes = b"",
               content_type: str = "application/json") -> None:
        """Add an answer to ``method path`` (under ``/v1``); successive answers are given in
        order, the last one repeatedly."""
        content = json.dumps(json_body).encode() if json_body is not None else body
        self.routes.setdefault((method, "/v1" + path), []).append(Answer(status, content, content_type))

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == "/v1" + path]

    def __enter__(self) -> GatewayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
