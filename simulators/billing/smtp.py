"""The billing intake over SMTP (the channel hospitals use, ETS-DT-001): a real aiosmtpd server on loopback with
STARTTLS available, and the delivery of ARLs and returns by SMTP to the sender of each lot.

Addresses: `amo@<domain>` and `amc@<domain>` for the default session, `amo+<session>@<domain>` for a test
session (any domain is accepted; the local part picks the payer). Each attachment of a message is one lot (a
single-part message without attachment is a lot itself). Every lot gets its ARL, mailed back to the MAIL FROM
address through the relay (the GAP's mail server); returns follow when they are due (session clock). Undelivered
items stay in the outbox and are retried: nothing accepted is lost. Without a relay, ARLs and returns are only
fetched over HTTP.
"""
from __future__ import annotations

import asyncio
import email
import email.policy
import re
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller

from simulators import clock as bench_clock
from simulators.billing.intake import behaviour_for, receive_lot
from simulators.billing.ledger import Ledger, ledgers
from simulators.billing.sides import SIDES
from simulators.sessions import SESSION_ID
from simulators.store import DEFAULT_SESSION

if TYPE_CHECKING:
    from simulators.pki import PkiPaths
    from simulators.runtime import Runtime

DEFAULT_DOMAIN = "billing.simphonie.test"
_ADDRESS = re.compile(r"^(?P<side>[A-Za-z]+)(?:\+(?P<session>[^@]+))?@(?P<domain>[^@]+)$")
MAX_RETRY_SECONDS = 60.0


@dataclass(frozen=True)
class SmtpConfig:
    """Where the intake listens and where it sends. `port` 0 binds any free port; `tls` (a bench PKI) makes
    STARTTLS available; `relay` is the GAP's mail server (host, port) that ARLs and returns are sent to."""

    host: str = "127.0.0.1"
    port: int = 0
    domain: str = DEFAULT_DOMAIN
    tls: "PkiPaths | None" = None
    require_starttls: bool = False
    relay: tuple[str, int] | None = None
    relay_starttls: bool = False
    relay_ca: str | None = None  # CA file to verify the relay's certificate (None: system CAs)
    sweep_seconds: float = 1.0
    max_bytes: int = 1_048_576
    timeout: float = 10.0


@dataclass(frozen=True)
class Mailbox:
    """Which intake an address reaches."""

    side: str
    session: str


def parse_address(address: str) -> Mailbox | str:
    """The intake of a recipient address, or why it is refused (an SMTP reply)."""
    match = _ADDRESS.match(address.strip().strip("<>"))
    if not match or match["side"].lower() not in SIDES:
        return f"550 5.1.1 <{address}>: no such mailbox; use {' or '.join(f'{s}@...' for s in SIDES)} (+<session>)"
    session = match["session"] or DEFAULT_SESSION
    if not SESSION_ID.match(session):
        return f"553 5.1.3 <{address}>: invalid test session {session!r} (1-64 letters, digits, '.', '_', '-')"
    return Mailbox(match["side"].lower(), session)


def lots_in(content: bytes) -> list[bytes]:
    """The lots a message carries: its attachments, else its non-text parts, else its body (bytes as sent)."""
    message = email.message_from_bytes(content, policy=email.policy.compat32)
    leaves = [part for part in message.walk() if not part.is_multipart()]
    attached = [part for part in leaves if part.get_filename() or part.get("Content-Disposition", "").lower()
                .startswith("attachment")]
    chosen = attached or [part for part in leaves if part.get_content_maintype() != "text"]
    if not chosen and not message.is_multipart():
        chosen = [message]
    return [payload for part in chosen if (payload := part.get_payload(decode=True))]


class _Handler:
    """aiosmtpd handler: RCPT picks the intake, DATA receives every lot (the store work runs in a thread)."""

    def __init__(self, server: "BillingSmtpServer") -> None:
        self.server = server

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        found = parse_address(address)
        if isinstance(found, str):
            return found
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        tls = server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self.server.receive_message, envelope.mail_from,
                                          list(envelope.rcpt_tos), envelope.original_content or b"", tls)


class _Controller(Controller):
    """aiosmtpd's Controller, able to bind port 0 (it checks readiness by connecting to the bound port)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def _server_tls(paths: "PkiPaths") -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(paths.server_cert, paths.server_key)
    return context


class BillingSmtpServer:
    """The SMTP intake and its outbox sweeper; `start()`/`stop()` or use as a context manager."""

    def __init__(self, runtime: "Runtime", config: SmtpConfig | None = None) -> None:
        self.runtime = runtime
        self.config = config or SmtpConfig()
        tls = _server_tls(self.config.tls) if self.config.tls else None
        self._controller = _Controller(
            _Handler(self), hostname=self.config.host, port=self.config.port, server_hostname=self.config.domain,
            ident="simphonie-bench billing intake", tls_context=tls, require_starttls=self.config.require_starttls,
            data_size_limit=self.config.max_bytes, enable_SMTPUTF8=False, timeout=self.config.timeout)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._sweeper: threading.Thread | None = None
        self._retry_at: dict[tuple[str, str, int], float] = {}  # (session, side, seq) -> next attempt (backoff)
        self._waiting: set[str] | None = None  # sessions holding undelivered items (None: not scanned yet)
        self._arrived: set[str] = set()  # sessions that received mail since the last pass
        self._arrived_lock = threading.Lock()
        self._pass_lock = threading.Lock()  # one delivery pass at a time (the sweeper, or a caller)

    # -- lifecycle ----------------------------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self.config.host

    @property
    def port(self) -> int:
        return self._controller.port

    def address(self, side: str, session: str | None = None) -> str:
        return f"{side}{'+' + session if session else ''}@{self.config.domain}"

    def start(self) -> "BillingSmtpServer":
        self._controller.start()
        self._sweeper = threading.Thread(target=self._sweep_forever, name=f"billing-smtp-sweeper-{self.port}",
                                         daemon=True)
        self._sweeper.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._controller.stop()
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)

    def __enter__(self) -> "BillingSmtpServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- intake -------------------------------------------------------------------------------------------------
    def receive_message(self, mail_from: str | None, recipients: list[str], content: bytes, tls: bool) -> str:
        """Receive every lot of one message for every recipient; the SMTP reply says what became of them."""
        lots = lots_in(content)
        if not lots:
            return "554 5.6.0 no lot in the message: attach each lot file (or send it as the body)"
        reply_to = mail_from or None
        work = []
        for mailbox in (parse_address(r) for r in recipients):
            assert isinstance(mailbox, Mailbox)  # RCPT refused the others
            self.runtime.store.ensure_session(mailbox.session)
            for data in lots:
                effect, policy = behaviour_for(self.runtime, mailbox.session, mailbox.side, data)
                if effect.delay_seconds:
                    time.sleep(effect.delay_seconds)
                if effect.http_status:
                    self.runtime.journal(session=mailbox.session, actor=SIDES[mailbox.side].actor, service="lot",
                                         started=bench_clock.timestamp(), request_text=data.decode("latin-1"),
                                         response_text="451 4.3.0", outcome="smtp_451",
                                         meta={"channel": "smtp", "refused": True, "reply_to": reply_to})
                    return "451 4.3.0 billing intake temporarily unavailable (session behaviour); send again later"
                work.append((mailbox, data, policy))
        receipts = [receive_lot(self.runtime, mailbox.session, mailbox.side, data, channel="smtp", reply_to=reply_to,
                                policy=policy, tls=tls) for mailbox, data, policy in work]
        with self._arrived_lock:
            self._arrived.update(mailbox.session for mailbox, _, _ in work)
        self._wake.set()
        ids = ", ".join(f"{r.side}:{r.lot_id} ({'positive' if r.accepted else 'negative'} ARL)" for r in receipts)
        return f"250 2.0.0 {len(receipts)} lot(s) received: {ids}"

    # -- delivery -----------------------------------------------------------------------------------------------
    def _sweep_forever(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.config.sweep_seconds)
            self._wake.clear()
            if self._stopping.is_set():
                break
            try:
                self.deliver_due()
            except Exception:  # noqa: BLE001 - the sweeper must survive a bad pass (it retries the next one)
                pass

    def deliver_due(self) -> int:
        """Send every due, undelivered ARL and return whose lot came by SMTP; the number sent.

        The first pass reads every session (items left by an earlier process); later passes only the sessions
        that received mail since or still hold undelivered items (a delayed return, a relay outage).
        """
        if self.config.relay is None:
            return 0
        with self._pass_lock:
            return self._pass()

    def _pass(self) -> int:
        with self._arrived_lock:
            arrived, self._arrived = self._arrived, set()
        sessions = None if self._waiting is None else self._waiting | arrived
        sent, waiting, now = 0, set(), bench_clock.timestamp()
        for side in SIDES:
            chosen = (ledgers(self.runtime.store, side) if sessions is None
                      else (Ledger(self.runtime.store, session, side) for session in sessions))
            for ledger in chosen:
                today = self.runtime.today(ledger.session)
                for item in ledger.outbox():
                    if not item.get("reply_to") or item.get("delivered"):
                        continue
                    retry_at = self._retry_at.get((ledger.session, side, item["seq"]), 0.0)
                    if date.fromisoformat(item["due"]) <= today and retry_at <= now and self._deliver(ledger, item):
                        sent += 1
                    else:
                        waiting.add(ledger.session)
        self._waiting = waiting  # mail arriving during this pass is in _arrived for the next one
        return sent

    def _message(self, ledger: Ledger, item: dict[str, Any]) -> EmailMessage:
        side = SIDES[ledger.side]
        message = EmailMessage()
        message["From"] = self.address(side.name, None if ledger.session == DEFAULT_SESSION else ledger.session)
        message["To"] = item["reply_to"]
        lot = f"lot {item.get('lot_number') or '?'} (id {item['lot_id']})"
        if item["kind"] == "ack":
            message["Subject"] = f"ARL {side.name.upper()} {lot}"
            name = f"ARL-{side.name.upper()}-{item['lot_id']:06d}.txt"
        else:
            message["Subject"] = f"RETOUR {side.name.upper()} {item['return_number']:06d} {lot}"
            name = f"RETOUR-{side.name.upper()}-{item['return_number']:06d}.txt"
        message["X-Bench-Session"] = ledger.session
        message["X-Bench-Kind"] = item["kind"]
        message["X-Bench-Lot"] = str(item["lot_id"])
        message.set_content(f"{message['Subject']}: see the attached {item['profile']} file.\r\n")
        message.add_attachment(item["data"].encode("ascii"), maintype="application", subtype="octet-stream",
                               filename=name)
        # the email package's default boundary is 19 random digits, sometimes Luhn-valid: the PAN-leak checks
        # would see a card number in every such delivery
        message.set_boundary(f"simphonie-{side.name}-{item['kind']}-{item['lot_id']}-boundary")
        return message

    def _deliver(self, ledger: Ledger, item: dict[str, Any]) -> int:
        side = SIDES[ledger.side]
        host, port = self.config.relay  # type: ignore[misc]
        started = bench_clock.timestamp()
        message = self._message(ledger, item)
        try:
            with smtplib.SMTP(host, port, timeout=self.config.timeout) as client:
                if self.config.relay_starttls:
                    client.starttls(context=ssl.create_default_context(cafile=self.config.relay_ca))
                client.send_message(message, from_addr=message["From"], to_addrs=[item["reply_to"]])
        except (OSError, smtplib.SMTPException) as exc:
            attempts = item.get("attempts", 0) + 1
            ledger.update_outbox(item["seq"], attempts=attempts, last_error=f"{type(exc).__name__}: {exc}")
            self._retry_at[(ledger.session, ledger.side, item["seq"])] = bench_clock.timestamp() + min(MAX_RETRY_SECONDS,
                                                                                         2.0 ** attempts)
            self.runtime.journal(session=ledger.session, actor=side.actor, service="delivery", started=started,
                                 request_text=message.as_string(), response_text=str(exc),
                                 outcome="failed", meta={"kind": item["kind"], "seq": item["seq"],
                                                         "to": item["reply_to"], "attempts": attempts})
            return 0
        ledger.update_outbox(item["seq"], delivered=True, attempts=item.get("attempts", 0) + 1,
                             delivered_at=bench_clock.stamp())
        self.runtime.journal(session=ledger.session, actor=side.actor, service="delivery", started=started,
                             request_text=message.as_string(), response_text="250", outcome="delivered",
                             meta={"kind": item["kind"], "seq": item["seq"], "to": item["reply_to"],
                                   "lot_id": item["lot_id"], "return_number": item.get("return_number")})
        return 1
