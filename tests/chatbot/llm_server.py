"""An OpenAI-compatible chat-completions server on loopback for the generative-mode tests.

No language model can be run on these machines (no weights can be fetched), so
this server speaks the real protocol (``POST /v1/chat/completions``, bearer key,
JSON in and out, HTTP errors) and answers like a well-behaved model would: it
takes the excerpt that shares most words with the question and returns its
first sentence with a citation. ``behaviour`` makes it misbehave the ways a real
model or endpoint can. Every request is kept so tests can read what the model saw.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EXCERPT = re.compile(r"\[(\d+)\] Frage: (.*)\nAntwort: (.*)", re.S)
WORD = re.compile(r"\w{4,}")


class ModelServer:
    def __init__(self):
        self.behaviour = "cite"  # cite | no_answer | uncited | foreign_citation | script | error | slow | garbage
        self.slow_seconds = 3.0
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                                        "body": body})
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": "not found"}})
                if server.behaviour == "error":
                    return self._send(500, {"error": {"message": "model overloaded", "type": "server_error"}})
                if server.behaviour == "slow":
                    time.sleep(server.slow_seconds)
                if server.behaviour == "garbage":
                    return self._send(200, {"unexpected": True})
                return self._send(200, {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": server.answer(body["messages"])}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                })

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @staticmethod
    def excerpts(messages: list[dict]) -> list[tuple[int, str, str]]:
        blocks = (EXCERPT.fullmatch(block) for block in messages[-1]["content"].split("\n\n"))
        return [(int(m[1]), m[2].strip(), m[3].strip()) for m in blocks if m]

    @staticmethod
    def question(messages: list[dict]) -> str:
        return re.split(r"\n\n(?:Frage|Question): ", messages[-1]["content"])[-1]

    def answer(self, messages: list[dict]) -> str:
        if self.behaviour == "no_answer":
            return "KEINE_ANTWORT"
        excerpts = self.excerpts(messages)
        asked = {w.lower() for w in WORD.findall(self.question(messages))}
        number, _question, text = max(excerpts, key=lambda e: len(asked & {w.lower() for w in WORD.findall(
            e[1] + " " + e[2])}))
        sentence = re.split(r"(?<=[.!?])\s", text)[0]
        if self.behaviour == "uncited":
            return sentence
        if self.behaviour == "foreign_citation":
            return f"{sentence} [{len(excerpts) + 5}]"
        if self.behaviour == "script":
            return f"{sentence} [{number}] <script>alert(1)</script>"
        return f"Gern helfe ich Ihnen: {sentence} [{number}]"

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()
