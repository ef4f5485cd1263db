"""A stub of the OpenAI-compatible and Anthropic chat APIs on 127.0.0.1, for offline tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Stub:
    """Records each request; answers like the real APIs do, minimally."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.reply = "Score: 2"
        self.fail_with: int | None = None
        self.fail_times = 0  # with fail_with: fail only the first N requests (0: all)

    def handle(self, path: str, headers: dict[str, str], body: dict) -> tuple[int, dict]:
        self.requests.append({"path": path, "headers": headers, "body": body})
        if self.fail_with and (not self.fail_times or len(self.requests) <= self.fail_times):
            # a server that echoes the request's headers in its error must not leak the key
            return self.fail_with, {"error": {"message": f"denied; you sent {headers}"}}
        if path == "/v1/chat/completions":
            return 200, {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.reply},
                        "finish_reason": "stop",
                    }
                ],
            }
        if path == "/v1/messages":
            return 200, {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "content": [{"type": "text", "text": self.reply}],
                "stop_reason": "end_turn",
            }
        return 404, {"error": "no such endpoint"}


@contextmanager
def serve_stub() -> Iterator[tuple[Stub, str]]:
    """The stub and its base URL; the server stops when the block ends."""
    state = Stub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = state.handle(self.path, headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
