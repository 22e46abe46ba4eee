"""A tiny local SMTP server for tests: accepts messages, or refuses the next N with a temporary error."""

import socketserver
import threading
from email import message_from_bytes, policy


class _Handler(socketserver.StreamRequestHandler):
    def _reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        server = self.server
        self._reply("220 localhost test SMTP")
        refusing = False
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("ascii", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._reply("250-localhost")
                self._reply("250 8BITMIME")
            elif verb == "MAIL":
                with server.lock:
                    refusing = server.refuse > 0
                    if refusing:
                        server.refuse -= 1
                        server.refused += 1
                self._reply("451 4.3.0 Mailbox busy, try again later" if refusing else "250 OK")
            elif verb == "RCPT":
                self._reply("451 4.3.0 Try again later" if refusing else "250 OK")
            elif verb == "DATA":
                self._reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    line = self.rfile.readline()
                    if line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(line[1:] if line.startswith(b"..") else line)
                with server.lock:
                    server.messages.append(message_from_bytes(b"".join(lines), policy=policy.default))
                self._reply("250 OK queued")
            elif verb == "QUIT":
                self._reply("221 Bye")
                return
            elif verb in ("RSET", "NOOP"):
                refusing = False
                self._reply("250 OK")
            else:
                self._reply("502 Command not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.messages = []
        self.refuse = 0
        self.refused = 0

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self):
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()
