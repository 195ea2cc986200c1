"""A real SMTP server for the black-box tests (aiosmtpd): each accepted message is written as one
JSON file (envelope, decoded headers and parts) before the server answers 250, so the tests read
back exactly what was delivered.

    python3 server.py --port 2525 --dir /tmp/mails [--delay-ms 20] [--reject refuse]

--reject: a recipient containing this text is refused with a permanent 550.
--delay-ms: each message takes this long to accept (a slow server, for the crash test).
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import uuid

from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, directory, delay, reject):
        self.directory = directory
        self.delay = delay
        self.reject = reject

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and self.reject in address:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)

        def part(kind):
            body = msg.get_body(preferencelist=(kind,))
            return body.get_content() if body is not None else None

        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "message_id": str(msg.get("Message-ID", "")),
            "subject": str(msg.get("Subject", "")),
            "from": str(msg.get("From", "")),
            "to": str(msg.get("To", "")),
            "text": part("plain"),
            "html": part("html"),
        }
        name = uuid.uuid4().hex
        tmp = os.path.join(self.directory, f".{name}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        # Renamed only when complete: a reader never sees half a message.
        os.rename(tmp, os.path.join(self.directory, f"{name}.json"))
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--reject", default="")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(args.dir, args.delay_ms / 1000, args.reject)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True), args.host, args.port, reuse_address=True
    )
    print("ready", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
