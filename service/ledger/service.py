"""Ledger operations: transfer, issue, hold -> post | void, reverse, and the expiry and hold-timeout sweeps.

Rules every operation keeps:
- each runs in its own SAVEPOINT, so a refused operation leaves the caller's transaction as it was;
- an idempotency key is claimed first; the same key with the same request returns the first result and
  moves nothing, the same key with a different request raises ``IdempotencyConflict`` (one exception: a FRESH
  issue, whose keys the caller guarantees are new, writes without claiming; ``issuance`` says why);
- account rows are updated in ascending id order (one lock order for every writer: no deadlocks), and a
  guarded account's debit is a conditional UPDATE, backed by the table's CHECK constraint;
- wallet credits open an expiry lot; wallet debits take from the earliest-expiring unexpired lots;
- nothing leaves a project account (a donation's destination): no transfer, hold or reversal debits one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.db.base import utcnow
from service.errors import Conflict, IdempotencyConflict, InsufficientFunds, Invalid, NotFound
from service.ledger import issuance
from service.ledger.issuance import Credit, IssueMode
from service.ledger.models import Account, AccountKind, Hold, HoldStatus, Lot, LotAllocation, Transfer
from service.ledger.repository import LedgerRepository
from service.ledger.requests import (
    MAX_AMOUNT,
    MAX_KEY_LENGTH,
    RESERVED_KEY_PREFIXES,
    TransferRequest,
    validate_amount_and_key,
)
from service.settings import LedgerSettings

# What callers import from here: the ledger, and the requests and limits it is called with.
__all__ = [
    "MAX_AMOUNT",
    "MAX_KEY_LENGTH",
    "RESERVED_KEY_PREFIXES",
    "Credit",
    "IssueMode",
    "Ledger",
    "TransferRequest",
    "merchant_code",
    "validate_amount_and_key",
]


def merchant_code(merchant_id: int, shard: int = 0) -> str:
    return f"merchant:{merchant_id}" if shard == 0 else f"merchant:{merchant_id}:{shard}"


class Ledger:
    """The only code that moves coins. Works inside the caller's session; flushes, never commits."""

    def __init__(
        self,
        session: AsyncSession,
        settings: LedgerSettings,
        zone: ZoneInfo,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.session = session
        self.repo = LedgerRepository(session)
        self.settings = settings
        self.zone = zone
        self.clock = clock

    # accounts ---------------------------------------------------------------------------------------
    async def wallet(self, resident_id: int) -> Account:
        return await self.repo.ensure_account(AccountKind.WALLET, f"wallet:{resident_id}", resident_id)

    async def merchant_account(self, merchant_id: int, shard: int = 0) -> Account:
        """One of a merchant's accounts: shard 0 is ``merchant:<id>``, shard k ``merchant:<id>:<k>``."""
        return await self.repo.ensure_account(
            AccountKind.MERCHANT, merchant_code(merchant_id, shard), merchant_id
        )

    async def till(self, merchant_id: int, wallet: Account) -> Account:
        """The merchant account a payment from ``wallet`` goes to (spread, so no one row serialises them)."""
        return await self.merchant_account(merchant_id, wallet.id % self.settings.merchant_shards)

    async def issuance_account(self, shard: int) -> Account:
        return await self.repo.ensure_account(AccountKind.ISSUANCE, f"issuance:{shard}", None)

    async def expiry_account(self) -> Account:
        return await self.repo.ensure_account(AccountKind.EXPIRY, "expiry", None)

    async def adjustment_account(self) -> Account:
        return await self.repo.ensure_account(AccountKind.ADJUSTMENT, "adjustment", None)

    async def project_account(self, project_id: int) -> Account:
        """A public-welfare project's account (service/donations): coins go in and never come out."""
        return await self.repo.ensure_account(AccountKind.PROJECT, f"project:{project_id}", project_id)

    async def account(self, account_id: int) -> Account:
        account = await self.repo.account(account_id)
        if account is None:
            raise NotFound(f"account {account_id} does not exist", code="account_not_found")
        return account

    def lot_expiry(self, earned_at: dt.datetime) -> dt.datetime:
        """The end of 31 December, ``expiry_years_after`` years after the local year of earning."""
        year = earned_at.astimezone(self.zone).year + self.settings.expiry_years_after
        return dt.datetime(year + 1, 1, 1, tzinfo=self.zone).astimezone(dt.UTC)

    # posted transfers -------------------------------------------------------------------------------
    async def transfer(self, request: TransferRequest) -> Transfer:
        """Move coins at once. Raises InsufficientFunds, NotFound, Invalid or IdempotencyConflict."""
        _validate(request)
        async with self.session.begin_nested():
            debit, credit = await self._accounts(request)
            resident = _wallet_side(debit, credit)
            fingerprint = request.fingerprint("transfer")
            record = await self._claim(request.idempotency_key, resident, fingerprint, "transfer")
            if record is not None:
                return await self._replayed_transfer(record.transfer_id)
            return await self._execute(request, debit, credit, resident)

    async def issue(self, credits: Sequence[Credit], *, mode: IssueMode = IssueMode.CHECKED) -> list[int]:
        """Credit new coins to residents' wallets from the city's issuance (spread over shard accounts).

        Returns the transfer ids in the order of ``credits``. ``mode`` says what the caller knows about the
        keys (``IssueMode``: CHECKED claims each key and replays, FRESH writes set-based and fails on a used
        key); both write the same rows. Every credit is validated before anything is written.
        """
        return await issuance.issue(self, credits, mode)

    async def reverse(self, transfer_id: int, *, reference: str | None = None) -> Transfer:
        """Undo a posted transfer with its mirror image, once. Reversals themselves are not reversible."""
        original = await self.repo.transfer(transfer_id)
        if original is None:
            raise NotFound(f"transfer {transfer_id} does not exist", code="transfer_not_found")
        if original.reverses_id is not None:
            raise Invalid(
                "a reversal cannot be reversed; post a new transfer", code="cannot_reverse_reversal"
            )
        request = TransferRequest(
            original.credit_account_id,
            original.debit_account_id,
            original.amount,
            "reversal",
            f"reverse:{original.id}",
            reference,
        )
        async with self.session.begin_nested():
            debit, credit = await self._accounts(request)
            # A reversal sits with what it reverses (Citus: one shard; for a wallet, its wallet side anyway).
            resident = original.resident_id
            fingerprint = request.fingerprint("reverse")
            record = await self._claim(request.idempotency_key, resident, fingerprint, "reverse")
            if record is not None:
                return await self._replayed_transfer(record.transfer_id)
            return await self._execute(request, debit, credit, resident, reverses=original)

    async def _accounts(self, request: TransferRequest) -> tuple[Account, Account]:
        """The request's (debit, credit) accounts; NotFound, or Invalid between two residents' wallets."""
        debit = await self.account(request.debit_account_id)
        credit = await self.account(request.credit_account_id)
        if debit.kind == AccountKind.WALLET and credit.kind == AccountKind.WALLET:
            # Coins are earned from the city and spent at merchants or given to projects; a transfer between
            # two residents would also span two shards of the Citus plan (docs/scaling.md).
            raise Invalid(
                "coins do not move from one resident's wallet to another's", code="wallet_to_wallet"
            )
        return debit, credit

    async def _execute(
        self,
        request: TransferRequest,
        debit: Account,
        credit: Account,
        resident_id: int,
        *,
        reverses: Transfer | None = None,
    ) -> Transfer:
        _not_donated(debit)
        await self._move(debit, credit, request.amount)
        transfer = await self._record(request, resident_id, reverses_id=reverses.id if reverses else None)
        now = self.clock()
        if debit.kind == AccountKind.WALLET:
            prefer = await self.repo.lot_for_transfer(reverses.id) if reverses else None
            await self._take_lots(debit.id, request.amount, now, transfer_id=transfer.id, prefer=prefer)
        if credit.kind == AccountKind.WALLET:
            if reverses is not None and await self._restore_lots(reverses.id):
                return transfer
            await self._open_lot(credit, transfer, now)
        return transfer

    async def _move(self, debit: Account, credit: Account, amount: int) -> None:
        for account in sorted((debit, credit), key=lambda a: a.id):
            if account is credit:
                await self.repo.credit(credit.id, amount)
            elif not await self.repo.debit(debit.id, amount):
                raise _insufficient()

    async def _record(
        self,
        request: TransferRequest,
        resident_id: int,
        *,
        reverses_id: int | None = None,
        hold_id: int | None = None,
    ) -> Transfer:
        transfer = Transfer(
            resident_id=resident_id,
            debit_account_id=request.debit_account_id,
            credit_account_id=request.credit_account_id,
            amount=request.amount,
            kind=request.kind,
            reference=request.reference,
            idempotency_key=request.idempotency_key,
            reverses_id=reverses_id,
            hold_id=hold_id,
            created_at=self.clock(),
        )
        await self.repo.add(transfer)
        await self.repo.link_key(request.idempotency_key, resident_id, transfer_id=transfer.id)
        return transfer

    # two-phase --------------------------------------------------------------------------------------
    async def hold(self, request: TransferRequest, *, expires_at: dt.datetime) -> Hold:
        """Reserve coins on the debit account until ``expires_at``; post or void it later."""
        _validate(request)
        if expires_at.tzinfo is None:
            raise Invalid("a hold's expiry needs a time zone", code="hold_expiry_naive")
        if expires_at <= self.clock():
            raise Invalid("a hold must expire in the future", code="hold_expiry_in_past")
        fingerprint = request.fingerprint("hold", expires_at=expires_at.astimezone(dt.UTC).isoformat())
        async with self.session.begin_nested():
            debit, credit = await self._accounts(request)
            resident = _wallet_side(debit, credit)
            record = await self._claim(request.idempotency_key, resident, fingerprint, "hold")
            if record is not None:
                hold = await self.repo.hold(record.hold_id)
                assert hold is not None
                return hold
            _not_donated(debit)
            if not await self.repo.reserve(debit.id, request.amount):
                raise _insufficient()
            hold = Hold(
                resident_id=resident,
                debit_account_id=debit.id,
                credit_account_id=request.credit_account_id,
                amount=request.amount,
                kind=request.kind,
                reference=request.reference,
                idempotency_key=request.idempotency_key,
                status=HoldStatus.PENDING,
                expires_at=expires_at,
                created_at=self.clock(),
            )
            await self.repo.add(hold)
            await self.repo.link_key(request.idempotency_key, resident, hold_id=hold.id)
            if debit.kind == AccountKind.WALLET:
                await self._take_lots(debit.id, request.amount, self.clock(), hold_id=hold.id)
            return hold

    async def post(self, hold_id: int) -> Transfer:
        """Complete a pending hold. Posting twice returns the same transfer; a voided hold is a Conflict."""
        async with self.session.begin_nested():
            hold = await self._hold(hold_id)
            if hold.status == HoldStatus.PENDING and self.clock() >= hold.expires_at:
                raise Conflict(f"hold {hold_id} has expired", code="hold_expired")
            if hold.status == HoldStatus.PENDING and await self.repo.resolve_hold(
                hold_id, HoldStatus.POSTED, self.clock()
            ):
                return await self._post_resolved(hold)
            hold = await self._hold(hold_id)
            if hold.status == HoldStatus.VOIDED:
                raise Conflict(f"hold {hold_id} was voided", code="hold_voided")
            transfer = await self.repo.transfer_for_hold(hold_id)
            assert transfer is not None
            return transfer

    async def _post_resolved(self, hold: Hold) -> Transfer:
        for account_id in sorted((hold.debit_account_id, hold.credit_account_id)):
            if account_id == hold.debit_account_id:
                await self.repo.release(account_id, hold.amount, spent=True)
            else:
                await self.repo.credit(account_id, hold.amount)
        request = TransferRequest(
            hold.debit_account_id,
            hold.credit_account_id,
            hold.amount,
            hold.kind,
            f"post:{hold.id}",
            hold.reference,
        )
        await self.repo.claim_key(
            request.idempotency_key, hold.resident_id, request.fingerprint("post"), "post"
        )
        transfer = await self._record(request, hold.resident_id, hold_id=hold.id)
        for allocation in await self.repo.allocations(hold_id=hold.id):
            await self.repo.change_lot(
                allocation.lot_id, remaining=-allocation.amount, held=-allocation.amount
            )
            allocation.transfer_id = transfer.id
        credit = await self.account(hold.credit_account_id)
        if credit.kind == AccountKind.WALLET:
            await self._open_lot(credit, transfer, self.clock())
        await self.session.flush()
        return transfer

    async def void(self, hold_id: int) -> Hold:
        """Release a pending hold. Voiding twice is a no-op; a posted hold is a Conflict."""
        hold, _ = await self._void(hold_id)
        return hold

    async def _void(self, hold_id: int) -> tuple[Hold, bool]:
        """The hold, and whether this call voided it (False: it was voided already)."""
        async with self.session.begin_nested():
            hold = await self._hold(hold_id)
            if hold.status == HoldStatus.PENDING and await self.repo.resolve_hold(
                hold_id, HoldStatus.VOIDED, self.clock()
            ):
                await self.repo.release(hold.debit_account_id, hold.amount, spent=False)
                for allocation in await self.repo.allocations(hold_id=hold.id):
                    await self.repo.change_lot(allocation.lot_id, held=-allocation.amount)
                return await self._hold(hold_id), True
            hold = await self._hold(hold_id)
            if hold.status == HoldStatus.POSTED:
                raise Conflict(f"hold {hold_id} was already posted", code="hold_posted")
            return hold, False

    async def _hold(self, hold_id: int) -> Hold:
        hold = await self.repo.hold(hold_id)
        if hold is None:
            raise NotFound(f"hold {hold_id} does not exist", code="hold_not_found")
        return hold

    # sweeps (run by jobs; each is safe to run again or concurrently) --------------------------------
    async def void_expired_holds(self, *, limit: int = 500) -> int:
        """Void pending holds past their expiry; returns how many this call voided."""
        voided = 0
        for hold_id in await self.repo.expired_hold_ids(self.clock(), limit):
            try:
                _, changed = await self._void(hold_id)
            except Conflict:  # posted meanwhile by a caller whose clock ran a little behind ours
                continue
            voided += changed  # not holds a concurrent sweep voided first
        return voided

    async def expire_lots(self, *, limit: int = 1000) -> int:
        """Move each expired lot's unreserved remainder to the expiry sink; returns coins expired."""
        sink = await self.expiry_account()
        expired = 0
        for candidate in await self.repo.expired_lots(self.clock(), limit):
            async with self.session.begin_nested():
                expired += await self._expire_lot(candidate.account_id, candidate.id, sink)
        return expired

    async def _expire_lot(self, account_id: int, lot_id: int, sink: Account) -> int:
        await self.repo.credit(account_id, 0)  # row lock on the wallet: nobody else touches its lots now
        lot = await self.repo.lot(lot_id)
        assert lot is not None
        amount = lot.remaining - lot.held
        if amount <= 0:
            return 0
        # Numbered per lot, not keyed by the remainder: a refund can bring a lot back to an earlier
        # remainder, and that sweep must move the coins again, not replay the earlier one.
        sweep = await self.repo.expiry_count(lot.id) + 1
        request = TransferRequest(account_id, sink.id, amount, "expiry", f"expire:{lot.id}:{sweep}")
        fingerprint = request.fingerprint("transfer")
        record = await self._claim(request.idempotency_key, lot.resident_id, fingerprint, "transfer")
        if record is not None:
            return 0
        await self._move(await self.account(account_id), sink, amount)
        transfer = await self._record(request, lot.resident_id)
        await self.repo.change_lot(lot.id, remaining=-amount)
        allocation = LotAllocation(
            lot_id=lot.id, resident_id=lot.resident_id, amount=amount, transfer_id=transfer.id
        )
        await self.repo.add(allocation)
        return amount

    # lots -------------------------------------------------------------------------------------------
    async def _open_lot(self, wallet: Account, transfer: Transfer, now: dt.datetime) -> None:
        await self.repo.add(
            Lot(
                resident_id=wallet.resident_id,
                account_id=wallet.id,
                transfer_id=transfer.id,
                amount=transfer.amount,
                remaining=transfer.amount,
                held=0,
                expires_at=self.lot_expiry(now),
                created_at=now,
            )
        )

    async def _take_lots(
        self,
        account_id: int,
        amount: int,
        now: dt.datetime,
        *,
        transfer_id: int | None = None,
        hold_id: int | None = None,
        prefer: Lot | None = None,
    ) -> None:
        """Take ``amount`` from the wallet's lots, earliest expiry first (``prefer`` before all)."""
        lots: Sequence[Lot] = await self.repo.spendable_lots(account_id, now)
        if prefer is not None:
            prefer = await self.repo.lot(prefer.id)
            lots = [prefer, *(lot for lot in lots if lot.id != prefer.id)] if prefer else lots
        left = amount
        for lot in lots:
            take = min(left, lot.remaining - lot.held)
            if take <= 0:
                continue
            if hold_id is None:
                await self.repo.change_lot(lot.id, remaining=-take)
            else:
                await self.repo.change_lot(lot.id, held=take)
            self.session.add(
                LotAllocation(
                    lot_id=lot.id,
                    resident_id=lot.resident_id,
                    amount=take,
                    transfer_id=transfer_id,
                    hold_id=hold_id,
                )
            )
            left -= take
            if left == 0:
                break
        if left:
            # Coins in expired lots: as the PostgreSQL functions say it (redemption twins).
            raise _insufficient()
        await self.session.flush()

    async def _restore_lots(self, transfer_id: int) -> bool:
        """Give a reversed debit's coins back to the lots they came from; False if it took from none."""
        allocations = await self.repo.allocations(transfer_id=transfer_id)
        for allocation in allocations:
            await self.repo.change_lot(allocation.lot_id, remaining=allocation.amount)
        return bool(allocations)

    # idempotency ------------------------------------------------------------------------------------
    async def _claim(self, key: str, resident_id: int, fingerprint: str, operation: str):  # type: ignore[no-untyped-def]
        """None when the key is new for this resident (and now ours); the earlier record when it was used
        before. Keys are the resident's (Citus keeps a resident's rows on one shard)."""
        record = await self.repo.idempotency_record(key, resident_id)
        if record is None:
            if await self.repo.claim_key(key, resident_id, fingerprint, operation):
                return None
            record = await self.repo.idempotency_record(key, resident_id)
            assert record is not None
        if record.fingerprint != fingerprint or record.operation != operation:
            raise IdempotencyConflict(
                f"idempotency key {key!r} was already used for a different request",
                extra={"idempotency_key": key},
            )
        return record

    async def _replayed_transfer(self, transfer_id: int | None) -> Transfer:
        transfer = await self.repo.transfer(transfer_id) if transfer_id is not None else None
        if transfer is None:
            raise Conflict("the original request with this key is still in progress", code="in_progress")
        return transfer


def _validate(request: TransferRequest) -> None:
    validate_amount_and_key(request.amount, request.idempotency_key)
    if request.debit_account_id == request.credit_account_id:
        raise Invalid("debit and credit accounts must differ", code="same_account")


def _wallet_side(debit: Account, credit: Account) -> int:
    """The resident a transfer or hold between these accounts belongs to (whose shard holds it under Citus):
    the credited wallet's, else the debited account's (a wallet's owner, or a pool account's anchor)."""
    return credit.resident_id if credit.kind == AccountKind.WALLET else debit.resident_id


def _not_donated(debit: Account) -> Account:
    """``debit``, unless it is a project's: donated coins never come back, nor move on (a reversal of a
    donation would debit the project, so it is refused here too)."""
    if debit.kind == AccountKind.PROJECT:
        raise Conflict(
            f"account {debit.id} holds donated coins, which never leave it", code="donation_irreversible"
        )
    return debit


def _insufficient() -> InsufficientFunds:
    # The same words as the PostgreSQL redemption functions', and no ids: a merchant's till reads them.
    return InsufficientFunds("not enough coins available")
