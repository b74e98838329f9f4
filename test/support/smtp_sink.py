"""SMTP sink for rpowatch tests: accepts every message and appends it as one JSON line to a file.

Usage: smtp_sink.py PORT OUTFILE [--tls CERT KEY] [--auth USER PASSWORD]
With --tls, STARTTLS is offered and required before MAIL; with --auth, AUTH PLAIN/LOGIN is required.
Needs Debian python3-aiosmtpd; run with /usr/bin/python3.
"""

import argparse
import hashlib
import json
import signal
import ssl
import threading
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, outfile):
        self.outfile = outfile

    async def handle_DATA(self, server, session, envelope):
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "envelopeFrom": envelope.mail_from,
            "envelopeTo": list(envelope.rcpt_tos),
            "from": next((a for _, a in getaddresses(msg.get_all("from", []))), ""),
            "to": [a for _, a in getaddresses(msg.get_all("to", []) + msg.get_all("cc", []))],
            "subject": str(msg.get("subject", "")),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
            "headers": {k.lower(): str(v) for k, v in msg.items()},
            "tls": session.ssl is not None,
            "authUser": session.auth_data if session.authenticated else None,
            "attachments": [
                {
                    "filename": part.get_filename(),
                    "contentType": part.get_content_type(),
                    "size": len(part.get_payload(decode=True)),
                    "sha256": hashlib.sha256(part.get_payload(decode=True)).hexdigest(),
                }
                for part in msg.iter_attachments()
            ],
            "raw": (envelope.original_content or envelope.content).decode("utf-8", "replace"),
        }
        # One complete line per write, so the reader never sees half a message.
        with open(self.outfile, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("outfile")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--auth", nargs=2, metavar=("USER", "PASSWORD"))
    args = parser.parse_args()

    params = {}
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.tls)
        params.update(tls_context=context, require_starttls=True)
    if args.auth:
        user, password = (s.encode() for s in args.auth)

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user and auth_data.password == password
            return AuthResult(success=ok, auth_data=auth_data.login.decode() if ok else None)

        params.update(authenticator=authenticate, auth_required=True, auth_require_tls=bool(args.tls))

    controller = Controller(Sink(args.outfile), hostname="127.0.0.1", port=args.port, **params)
    controller.start()
    print(f"smtp sink listening on 127.0.0.1:{args.port}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
