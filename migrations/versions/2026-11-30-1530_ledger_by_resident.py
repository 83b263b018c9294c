"""The ledger's rows carry the resident whose shard holds them; every key and foreign key names it.

Why (issue 18 part 5, docs/scaling.md, service/db/distribution.py): under Citus the ledger is distributed
by resident, and Citus refuses a primary key, unique constraint or foreign key of a distributed table that
does not hold the distribution column.

- ``resident_id`` on ``accounts`` (a wallet's owner; an account of no resident, the issuance pool, the
  merchants' tills and the sinks, its code's anchor ``tanbi_shard_anchor(code)``: a negative number the
  hash of Citus spreads over the shards), ``transfers`` and ``holds`` (the wallet's side: the credited
  wallet, else the debited account; a reversal the original's), ``transfer_keys``, ``lots``,
  ``lot_allocations`` and ``idempotency_records`` (their transfer's, hold's or wallet's).
- Primary keys ``(id, resident_id)`` on PostgreSQL, the id first so a lookup by id still uses the index;
  SQLite keeps ``id`` (its rowid) and gets a unique ``(id, resident_id)`` where a foreign key points.
- Unique keys with the resident: an account's code, a hold's or a transfer's idempotency key, what a
  transfer reverses or settles, a voucher's code, a merchant's charge key, a ledger idempotency record.
  Idempotency keys are now unique per resident: each names its resident's request already
  (``voucher:<code>``, ``charge:<merchant>:<key>`` for a paycode's resident, ``action:<id>``).
- Foreign keys between these tables join on ``resident_id`` too. A transfer's and a hold's accounts lose
  theirs: the two accounts of a transfer live on two shards (a wallet and the issuance pool), and Citus
  can only hold a key within one. ``ledger verify`` proves they name accounts (``references_resolve``), the
  ledger reads both accounts before it moves a coin, and the balances' checks would show a lost side.
- The redemption functions name the resident in every row they write.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 15:30:00+00:00
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# table -> how its resident_id is filled, in this order (each from what is already filled). A transfer's or
# hold's is its wallet side: the credited wallet, else the debited account (d debit, c credit).
BACKFILL = {
    "holds": "SELECT CASE WHEN c.kind = 'wallet' THEN c.resident_id ELSE d.resident_id END "
    "FROM accounts d, accounts c "
    "WHERE d.id = holds.debit_account_id AND c.id = holds.credit_account_id",
    "transfers": "SELECT CASE WHEN c.kind = 'wallet' THEN c.resident_id ELSE d.resident_id END "
    "FROM accounts d, accounts c "
    "WHERE d.id = transfers.debit_account_id AND c.id = transfers.credit_account_id",
    "lots": "SELECT a.resident_id FROM accounts a WHERE a.id = lots.account_id",
    "lot_allocations": "SELECT l.resident_id FROM lots l WHERE l.id = lot_allocations.lot_id",
    "idempotency_records": "SELECT coalesce("
    "(SELECT t.resident_id FROM transfers t WHERE t.id = idempotency_records.transfer_id), "
    "(SELECT h.resident_id FROM holds h WHERE h.id = idempotency_records.hold_id), 0)",
}
# A reversal sits with what it reverses (for a wallet's transfers that is its wallet side anyway).
REVERSALS = (
    "UPDATE transfers SET resident_id = (SELECT o.resident_id FROM transfers o WHERE o.id = transfers.reverses_id) "
    "WHERE reverses_id IS NOT NULL"
)
TRANSFER_KEYS = (
    "UPDATE transfer_keys SET resident_id = "
    "(SELECT t.resident_id FROM transfers t WHERE t.id = transfer_keys.transfer_id)"
)

# table -> its primary key before this migration; after it, on PostgreSQL, (that column, resident_id).
PRIMARY_KEYS = {
    "accounts": "id",
    "charges": "id",
    "donations": "id",
    "holds": "id",
    "idempotency_records": "key",
    "lot_allocations": "id",
    "lots": "id",
    "transfer_keys": "idempotency_key",
    "transfers": "id",
    "vouchers": "id",
}
# (table, old unique's columns, new unique's columns).
UNIQUES = (
    ("accounts", ("code",), ("code", "resident_id")),
    ("charges", ("merchant_id", "idempotency_key"), ("merchant_id", "idempotency_key", "resident_id")),
    ("charges", ("transfer_id",), ("transfer_id", "resident_id")),
    ("donations", ("transfer_id",), ("transfer_id", "resident_id")),
    ("holds", ("idempotency_key",), ("idempotency_key", "resident_id")),
    ("idempotency_records", ("hold_id",), ("hold_id", "resident_id")),
    ("idempotency_records", ("transfer_id",), ("transfer_id", "resident_id")),
    ("lots", ("transfer_id",), ("transfer_id", "resident_id")),
    ("transfer_keys", ("hold_id",), ("hold_id", "resident_id")),
    ("transfer_keys", ("reverses_id",), ("reverses_id", "resident_id")),
    ("transfer_keys", ("transfer_id",), ("transfer_id", "resident_id")),
    ("vouchers", ("code",), ("code", "resident_id")),
    ("vouchers", ("hold_id",), ("hold_id", "resident_id")),
)
# SQLite's stand-in for PostgreSQL's primary key (id, resident_id) where a foreign key points at it.
ROWID_TWINS = ("accounts", "holds", "lots")
# (table, column, referred table, referred column): foreign keys that now join on resident_id too.
JOINED = (
    ("actions", "transfer_id", "transfer_keys", "transfer_id"),
    ("charges", "transfer_id", "transfer_keys", "transfer_id"),
    ("donations", "transfer_id", "transfer_keys", "transfer_id"),
    ("idempotency_records", "hold_id", "holds", "id"),
    ("idempotency_records", "transfer_id", "transfer_keys", "transfer_id"),
    ("lot_allocations", "hold_id", "holds", "id"),
    ("lot_allocations", "lot_id", "lots", "id"),
    ("lot_allocations", "transfer_id", "transfer_keys", "transfer_id"),
    ("lots", "account_id", "accounts", "id"),
    ("lots", "transfer_id", "transfer_keys", "transfer_id"),
    ("transfers", "hold_id", "holds", "id"),
    ("transfers", "reverses_id", "transfer_keys", "transfer_id"),
    ("vouchers", "hold_id", "holds", "id"),
)
# Foreign keys given up: a transfer's or a hold's two accounts live on two shards.
DROPPED = (
    ("holds", "credit_account_id", "accounts", "id"),
    ("holds", "debit_account_id", "accounts", "id"),
    ("transfers", "credit_account_id", "accounts", "id"),
    ("transfers", "debit_account_id", "accounts", "id"),
)
WITH_RESIDENT = (
    "accounts",
    "holds",
    "transfers",
    "transfer_keys",
    "lots",
    "lot_allocations",
    "idempotency_records",
)

ANCHOR = """
CREATE FUNCTION tanbi_shard_anchor(p_code text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT -1 - ('x' || substr(encode(sha256(convert_to(p_code, 'UTF8')), 'hex'), 1, 15))::bit(60)::bigint
$$;
"""

KEY_TRIGGER = """
CREATE OR REPLACE FUNCTION tanbi_transfer_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transfer_keys (idempotency_key, resident_id, transfer_id, reverses_id, hold_id)
    SELECT idempotency_key, resident_id, id, reverses_id, hold_id FROM new_rows;
    RETURN NULL;
END $$;
"""
SQLITE_KEY_TRIGGER = """CREATE TRIGGER transfer_keys AFTER INSERT ON transfers BEGIN
        INSERT INTO transfer_keys (idempotency_key, resident_id, transfer_id, reverses_id, hold_id)
        VALUES (NEW.idempotency_key, NEW.resident_id, NEW.id, NEW.reverses_id, NEW.hold_id);
    END"""
# What migration 0022's *_keys_fixed triggers guard of the two tables; this migration adds resident_id.
FIXED = {
    "transfers": "id, idempotency_key, reverses_id, hold_id",
    "transfer_keys": "idempotency_key, transfer_id, reverses_id, hold_id",
}
FIXED_MESSAGE = "rows are never deleted nor their keys changed: the key tables rely on it"

ACCOUNT = """
CREATE OR REPLACE FUNCTION tanbi_account(p_kind text, p_code text, p_owner bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_id bigint;
    v_resident bigint := CASE WHEN p_kind = 'wallet' THEN p_owner ELSE tanbi_shard_anchor(p_code) END;
BEGIN
    SELECT id INTO v_id FROM accounts WHERE code = p_code AND resident_id = v_resident;
    IF v_id IS NULL THEN
        INSERT INTO accounts (kind, code, owner_id, resident_id, balance, held, created_at)
        VALUES (p_kind, p_code, p_owner, v_resident, 0, 0, now()) ON CONFLICT (code, resident_id) DO NOTHING;
        SELECT id INTO v_id FROM accounts WHERE code = p_code AND resident_id = v_resident;
    END IF;
    RETURN v_id;
END $$;
"""

# Migration 0016's tanbi_charge, every row it writes and every row it reads named by its resident.
CHARGE = """
CREATE OR REPLACE FUNCTION tanbi_charge(p_merchant bigint, p_code_hash text, p_amount bigint, p_key text,
                                        p_shards integer, p_now timestamptz) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_ledger_key text := 'charge:' || p_merchant || ':' || p_key;
    c record; r record; v_resident bigint; v_used timestamptz; v_expires timestamptz;
    v_wallet bigint; v_till bigint; v_till_code text; v_till_resident bigint; v_transfer bigint;
    v_charge bigint; v_fingerprint text; v_left bigint := p_amount; v_take bigint;
BEGIN
    PERFORM 1 FROM merchants WHERE id = p_merchant;
    IF NOT FOUND THEN RETURN jsonb_build_object('code', 'merchant_not_found'); END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(v_ledger_key, 0));
    SELECT * INTO c FROM charges WHERE merchant_id = p_merchant AND idempotency_key = p_key;
    IF FOUND THEN
        IF c.paycode_hash <> p_code_hash OR c.amount <> p_amount THEN
            RETURN jsonb_build_object('code', 'idempotency_conflict');
        END IF;
        RETURN jsonb_build_object('code', 'replayed', 'id', c.id, 'resident_id', c.resident_id,
                                  'amount', c.amount, 'transfer_id', c.transfer_id, 'created_at', c.created_at);
    END IF;
    -- Spent by the first charge that updates it; a racer waits for the row, then finds it used.
    UPDATE paycodes SET used_at = p_now WHERE code_hash = p_code_hash AND used_at IS NULL AND expires_at > p_now
    RETURNING resident_id INTO v_resident;
    IF NOT FOUND THEN
        SELECT used_at, expires_at INTO v_used, v_expires FROM paycodes WHERE code_hash = p_code_hash;
        IF NOT FOUND THEN RETURN jsonb_build_object('code', 'paycode_unknown'); END IF;
        IF v_used IS NOT NULL THEN RETURN jsonb_build_object('code', 'paycode_used'); END IF;
        RETURN jsonb_build_object('code', 'paycode_expired');
    END IF;
    -- From here a refusal raises: the statement's writes (the spent code first) are undone with it, and the
    -- caller maps the SQLSTATE to the refusal.
    SELECT id INTO v_wallet FROM accounts WHERE code = 'wallet:' || v_resident AND resident_id = v_resident;
    IF v_wallet IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'TB001', MESSAGE = 'not enough coins available';
    END IF;
    -- Ledger.merchant_code: shard 0 is "merchant:<id>", shard k "merchant:<id>:<k>".
    v_till_code := CASE WHEN v_wallet % p_shards = 0 THEN 'merchant:' || p_merchant
                        ELSE 'merchant:' || p_merchant || ':' || (v_wallet % p_shards) END;
    v_till_resident := tanbi_shard_anchor(v_till_code);
    SELECT id INTO v_till FROM accounts WHERE code = v_till_code AND resident_id = v_till_resident;
    IF v_till IS NULL THEN v_till := tanbi_account('merchant', v_till_code, p_merchant); END IF;
    PERFORM 1 FROM idempotency_records WHERE key = v_ledger_key AND resident_id = v_resident;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'TB003', MESSAGE = 'this idempotency key was used for another charge';
    END IF;
    -- TransferRequest.fingerprint: sha256 of the request as JSON with sorted keys (json.dumps' separators).
    v_fingerprint := encode(sha256(convert_to(format(
        '{"amount": %s, "credit_account_id": %s, "debit_account_id": %s, "kind": "charge", '
        '"operation": "transfer", "reference": "paycode"}', p_amount, v_till, v_wallet), 'UTF8')), 'hex');
    INSERT INTO transfers (debit_account_id, credit_account_id, amount, kind, reference, idempotency_key,
                           resident_id, created_at)
    VALUES (v_wallet, v_till, p_amount, 'charge', 'paycode', v_ledger_key, v_resident, p_now)
    RETURNING id INTO v_transfer;
    INSERT INTO idempotency_records (key, resident_id, fingerprint, operation, created_at, transfer_id)
    VALUES (v_ledger_key, v_resident, v_fingerprint, 'transfer', now(), v_transfer);
    INSERT INTO charges (merchant_id, resident_id, amount, idempotency_key, paycode_hash, transfer_id,
                         created_at)
    VALUES (p_merchant, v_resident, p_amount, p_key, p_code_hash, v_transfer, p_now)
    RETURNING id INTO v_charge;
    -- The accounts last, updated in ascending id order (so two charges cannot deadlock): the merchant's one
    -- row is held from here to the commit only, not for the whole charge. The wallet's update is guarded.
    IF v_wallet < v_till THEN
        UPDATE accounts SET balance = balance - p_amount
        WHERE id = v_wallet AND resident_id = v_resident AND balance - held >= p_amount;
        IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'TB001', MESSAGE = 'not enough coins available'; END IF;
        UPDATE accounts SET balance = balance + p_amount WHERE id = v_till AND resident_id = v_till_resident;
    ELSE
        UPDATE accounts SET balance = balance + p_amount WHERE id = v_till AND resident_id = v_till_resident;
        UPDATE accounts SET balance = balance - p_amount
        WHERE id = v_wallet AND resident_id = v_resident AND balance - held >= p_amount;
        IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'TB001', MESSAGE = 'not enough coins available'; END IF;
    END IF;
    -- Ledger._take_lots: earliest expiry first (the wallet's row lock guards its lots).
    FOR r IN SELECT id, remaining, held FROM lots
             WHERE account_id = v_wallet AND resident_id = v_resident AND expires_at > p_now
               AND remaining > held
             ORDER BY expires_at, id LOOP
        v_take := least(v_left, r.remaining - r.held);
        CONTINUE WHEN v_take <= 0;
        UPDATE lots SET remaining = remaining - v_take WHERE id = r.id AND resident_id = v_resident;
        INSERT INTO lot_allocations (lot_id, resident_id, amount, transfer_id)
        VALUES (r.id, v_resident, v_take, v_transfer);
        v_left := v_left - v_take;
        EXIT WHEN v_left = 0;
    END LOOP;
    IF v_left > 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'TB001',
            MESSAGE = format('%s of the %s coins are in expired lots and can no longer be spent', v_left, p_amount);
    END IF;
    RETURN jsonb_build_object('code', 'ok', 'id', v_charge, 'resident_id', v_resident,
                              'amount', p_amount, 'transfer_id', v_transfer, 'created_at', p_now);
END $$;
"""

# Migration 0021's tanbi_claim_voucher, every row it writes and every row it reads named by its resident.
CLAIM = """
CREATE OR REPLACE FUNCTION tanbi_claim_voucher(p_resident bigint, p_offer bigint, p_code text,
                                               p_ttl_seconds integer, p_shards integer, p_now timestamptz,
                                               p_benefit boolean)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_key text := 'voucher:' || p_code;
    o record; r record; v_taken bigint; v_wallet bigint; v_till bigint; v_till_code text;
    v_expires timestamptz; v_micro bigint; v_hold bigint; v_voucher bigint; v_fingerprint text;
    v_deleted timestamptz; v_left bigint; v_take bigint;
BEGIN
    SELECT deleted_at INTO v_deleted FROM residents WHERE id = p_resident;
    IF NOT FOUND THEN RETURN jsonb_build_object('code', 'resident_not_found'); END IF;
    IF v_deleted IS NOT NULL THEN RETURN jsonb_build_object('code', 'account_deleted'); END IF;
    SELECT * INTO o FROM offers WHERE id = p_offer;
    -- A benefit is claimed only as a benefit (after its eligibility check), an offer only as an offer.
    IF NOT FOUND OR o.approved_at IS NULL OR o.benefit IS DISTINCT FROM p_benefit THEN
        RETURN jsonb_build_object('code', 'offer_not_found');
    END IF;
    IF o.stock_left <= 0 THEN RETURN jsonb_build_object('code', 'sold_out'); END IF;
    IF NOT (o.active AND o.valid_from <= p_now AND o.valid_until > p_now) THEN
        RETURN jsonb_build_object('code', 'offer_not_available');
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('voucher-limit:' || p_offer || ':r' || p_resident, 0));
    SELECT count(*) INTO v_taken FROM vouchers
    WHERE offer_id = p_offer AND resident_id = p_resident AND status IN ('held', 'consumed');
    IF v_taken >= o.per_resident_limit THEN
        RETURN jsonb_build_object('code', 'limit_reached', 'limit', o.per_resident_limit);
    END IF;
    v_expires := least(p_now + make_interval(secs => p_ttl_seconds), o.valid_until);
    -- A free benefit holds no coins.
    IF o.price > 0 THEN
        SELECT id INTO v_wallet FROM accounts WHERE code = 'wallet:' || p_resident AND resident_id = p_resident;
        IF v_wallet IS NULL THEN RETURN jsonb_build_object('code', 'insufficient_funds', 'available', 0); END IF;
        v_till_code := CASE WHEN v_wallet % p_shards = 0 THEN 'merchant:' || o.merchant_id
                            ELSE 'merchant:' || o.merchant_id || ':' || (v_wallet % p_shards) END;
        SELECT id INTO v_till FROM accounts
        WHERE code = v_till_code AND resident_id = tanbi_shard_anchor(v_till_code);
        IF v_till IS NULL THEN v_till := tanbi_account('merchant', v_till_code, o.merchant_id); END IF;
        -- datetime.isoformat() of a UTC time: microseconds only when there are any.
        v_micro := extract(microseconds FROM v_expires)::bigint % 1000000;
        v_fingerprint := encode(sha256(convert_to(format(
            '{"amount": %s, "credit_account_id": %s, "debit_account_id": %s, "expires_at": "%s", '
            '"kind": "voucher", "operation": "hold", "reference": "offer:%s"}',
            o.price, v_till, v_wallet,
            to_char(v_expires AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                || CASE WHEN v_micro = 0 THEN '' ELSE '.' || lpad(v_micro::text, 6, '0') END || '+00:00',
            o.id), 'UTF8')), 'hex');
        -- From here a refusal raises (see tanbi_charge).
        -- The reservation touches only the wallet row, guarded.
        UPDATE accounts SET held = held + o.price
        WHERE id = v_wallet AND resident_id = p_resident AND balance - held >= o.price;
        IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'TB001', MESSAGE = 'not enough coins available'; END IF;
        INSERT INTO holds (debit_account_id, credit_account_id, amount, kind, reference, idempotency_key, status,
                           expires_at, resident_id, created_at)
        VALUES (v_wallet, v_till, o.price, 'voucher', 'offer:' || o.id, v_key, 'pending', v_expires, p_resident,
                p_now)
        RETURNING id INTO v_hold;
        INSERT INTO idempotency_records (key, resident_id, fingerprint, operation, created_at, hold_id)
        VALUES (v_key, p_resident, v_fingerprint, 'hold', now(), v_hold);
        -- Ledger._take_lots with a hold: the coins are reserved, earliest expiry first.
        v_left := o.price;
        FOR r IN SELECT id, remaining, held FROM lots
                 WHERE account_id = v_wallet AND resident_id = p_resident AND expires_at > p_now
                   AND remaining > held
                 ORDER BY expires_at, id LOOP
            v_take := least(v_left, r.remaining - r.held);
            CONTINUE WHEN v_take <= 0;
            UPDATE lots SET held = held + v_take WHERE id = r.id AND resident_id = p_resident;
            INSERT INTO lot_allocations (lot_id, resident_id, amount, hold_id)
            VALUES (r.id, p_resident, v_take, v_hold);
            v_left := v_left - v_take;
            EXIT WHEN v_left = 0;
        END LOOP;
        IF v_left > 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'TB001',
                MESSAGE = format('%s of the %s coins are in expired lots and can no longer be spent', v_left, o.price);
        END IF;
    END IF;
    INSERT INTO vouchers (code, offer_id, resident_id, hold_id, price, status, expires_at, created_at)
    VALUES (p_code, o.id, p_resident, v_hold, o.price, 'held', v_expires, p_now) RETURNING id INTO v_voucher;
    -- Stock last: the hot offer row is locked only from here to the commit.
    UPDATE offers SET stock_left = stock_left - 1 WHERE id = o.id AND stock_left > 0;
    IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'TB002', MESSAGE = 'this offer is sold out'; END IF;
    RETURN jsonb_build_object('code', 'ok', 'id', v_voucher, 'hold_id', v_hold, 'offer_id', o.id, 'price', o.price,
                              'expires_at', v_expires, 'created_at', p_now);
END $$;
"""


def shard_anchor(code: str) -> int:
    """``tanbi_shard_anchor``: service/ledger/models.py has the same (a test holds them equal)."""
    return -1 - (int(hashlib.sha256(code.encode()).hexdigest()[:15], 16))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgres()
    else:
        _upgrade_sqlite()


def _upgrade_postgres() -> None:
    bind = op.get_bind()
    bind.exec_driver_sql(ANCHOR)
    for table in WITH_RESIDENT:
        op.add_column(table, sa.Column("resident_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE accounts SET resident_id = CASE WHEN kind = 'wallet' THEN owner_id ELSE tanbi_shard_anchor(code) END"
    )
    _backfill()
    for table in WITH_RESIDENT:
        op.alter_column(table, "resident_id", nullable=False)
    for table, column, referred, _ in (*JOINED, *DROPPED):
        op.drop_constraint(_fk(table, column, referred), table, type_="foreignkey")
    for table, key in PRIMARY_KEYS.items():
        _primary_key(table, f"{key}, resident_id")
    for table, old, new in UNIQUES:
        op.drop_constraint(_uq(table, old), table, type_="unique")
        op.create_unique_constraint(_uq(table, new), table, list(new))
    for table, column, referred, referred_column in JOINED:
        op.create_foreign_key(
            _fk(table, column, referred),
            table,
            referred,
            [column, "resident_id"],
            [referred_column, "resident_id"],
        )
    bind.exec_driver_sql(KEY_TRIGGER)
    _refix(postgres=True, resident=True)
    for body in (ACCOUNT, CHARGE, CLAIM):
        bind.exec_driver_sql(body)  # verbatim: the bodies contain ":r", not bind parameters


def _backfill() -> None:
    for table, value in BACKFILL.items():
        op.execute(f"UPDATE {table} SET resident_id = ({value})")  # noqa: S608  (constants)
        if table == "transfers":
            op.execute(REVERSALS)
            op.execute(TRANSFER_KEYS)


def _upgrade_sqlite() -> None:
    bind = op.get_bind()
    for table in WITH_RESIDENT:
        with _sqlite_batch(table) as batch:
            batch.add_column(sa.Column("resident_id", ID, nullable=True))
    codes = bind.execute(sa.text("SELECT id, kind, code, owner_id FROM accounts")).all()
    for account_id, kind, code, owner in codes:
        resident = owner if kind == "wallet" else shard_anchor(code)
        bind.execute(
            sa.text("UPDATE accounts SET resident_id = :r WHERE id = :i"), {"r": resident, "i": account_id}
        )
    _backfill()
    for table in WITH_RESIDENT:
        joined = [j for j in JOINED if j[0] == table]
        with _sqlite_batch(table) as batch:
            batch.alter_column("resident_id", existing_type=ID, nullable=False)
            _sqlite_keys(batch, table)
            for _, column, referred, _ in (*joined, *(d for d in DROPPED if d[0] == table)):
                batch.drop_constraint(_fk(table, column, referred), type_="foreignkey")
            for _, column, referred, referred_column in joined:
                batch.create_foreign_key(
                    _fk(table, column, referred),
                    referred,
                    [column, "resident_id"],
                    [referred_column, "resident_id"],
                )
    for table in ("actions", "charges", "donations", "vouchers"):
        joined = [j for j in JOINED if j[0] == table]
        with _sqlite_batch(table) as batch:
            _sqlite_keys(batch, table)
            for _, column, referred, referred_column in joined:
                batch.drop_constraint(_fk(table, column, referred), type_="foreignkey")
                batch.create_foreign_key(
                    _fk(table, column, referred),
                    referred,
                    [column, "resident_id"],
                    [referred_column, "resident_id"],
                )
    op.execute("DROP TRIGGER transfer_keys")
    op.execute(SQLITE_KEY_TRIGGER)
    _refix(postgres=False, resident=True)


def _sqlite_keys(batch: Any, table: str) -> None:
    """A table's uniques with the resident, its primary key where it is not a rowid, and the unique a
    foreign key points at where PostgreSQL's primary key is (id, resident_id)."""
    for _, old, new in (u for u in UNIQUES if u[0] == table):
        batch.drop_constraint(_uq(table, old), type_="unique")
        batch.create_unique_constraint(_uq(table, new), list(new))
    if table in ("transfer_keys", "idempotency_records"):
        batch.drop_constraint(f"pk_{table}", type_="primary")
        batch.create_primary_key(f"pk_{table}", [PRIMARY_KEYS[table], "resident_id"])
    if table in ROWID_TWINS:
        batch.create_unique_constraint(_uq(table, ("id", "resident_id")), ["id", "resident_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgres()
    else:
        _downgrade_sqlite()


def _downgrade_postgres() -> None:
    bind = op.get_bind()
    previous = _previous()
    bind.exec_driver_sql(
        previous["account"].ACCOUNT.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
    )
    bind.exec_driver_sql(previous["charge"].CHARGE)
    bind.exec_driver_sql(previous["claim"].CLAIM.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    _refix(postgres=True, resident=False)
    bind.exec_driver_sql(KEY_TRIGGER.replace("resident_id, ", ""))
    for table, column, referred, _ in JOINED:
        op.drop_constraint(_fk(table, column, referred), table, type_="foreignkey")
    for table, old, new in UNIQUES:
        op.drop_constraint(_uq(table, new), table, type_="unique")
        op.create_unique_constraint(_uq(table, old), table, list(old))
    for table, key in PRIMARY_KEYS.items():
        _primary_key(table, key)
    for table, column, referred, referred_column in (*JOINED, *DROPPED):
        op.create_foreign_key(_fk(table, column, referred), table, referred, [column], [referred_column])
    for table in WITH_RESIDENT:
        op.drop_column(table, "resident_id")
    op.execute("DROP FUNCTION tanbi_shard_anchor(text)")


def _downgrade_sqlite() -> None:
    op.execute("DROP TRIGGER transfer_keys")
    op.execute(SQLITE_KEY_TRIGGER.replace("NEW.resident_id, ", "").replace("resident_id, ", ""))
    _refix(postgres=False, resident=False)
    for table in ("actions", "charges", "donations", "vouchers", *WITH_RESIDENT):
        with _sqlite_batch(table) as batch:
            for _, column, referred, _ in (j for j in JOINED if j[0] == table):
                batch.drop_constraint(_fk(table, column, referred), type_="foreignkey")
            for _, old, new in (u for u in UNIQUES if u[0] == table):
                batch.drop_constraint(_uq(table, new), type_="unique")
                batch.create_unique_constraint(_uq(table, old), list(old))
            if table in ROWID_TWINS:
                batch.drop_constraint(_uq(table, ("id", "resident_id")), type_="unique")
            if table in ("transfer_keys", "idempotency_records"):
                batch.drop_constraint(f"pk_{table}", type_="primary")
                batch.create_primary_key(f"pk_{table}", [PRIMARY_KEYS[table]])
            if table in WITH_RESIDENT:
                batch.drop_column("resident_id")
            for _, column, referred, referred_column in (j for j in (*JOINED, *DROPPED) if j[0] == table):
                batch.create_foreign_key(_fk(table, column, referred), referred, [column], [referred_column])


def _primary_key(table: str, columns: str) -> None:
    op.execute(
        f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}, ADD CONSTRAINT pk_{table} PRIMARY KEY ({columns})"
    )


def _refix(*, postgres: bool, resident: bool) -> None:
    """Migration 0022's ``*_keys_fixed`` triggers of the two tables again, guarding resident_id or not."""
    for table, columns in FIXED.items():
        guarded = f"{columns}, resident_id" if resident else columns
        if postgres:
            op.execute(f"DROP TRIGGER {table}_keys_fixed ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_keys_fixed BEFORE DELETE OR UPDATE OF {guarded} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tanbi_keys_fixed()"
            )
            continue
        op.execute(f"DROP TRIGGER {table}_keys_fixed_update")
        op.execute(
            f"CREATE TRIGGER {table}_keys_fixed_update BEFORE UPDATE OF {guarded} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: {FIXED_MESSAGE}'); END"
        )


def _fk(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}"


def _uq(table: str, columns: Sequence[str]) -> str:
    return f"uq_{table}_{'_'.join(columns)}"


def _previous() -> dict[str, ModuleType]:
    """The migrations whose function bodies this one replaces (their file names are not module names)."""
    files = {
        "charge": "2026-11-30-0440_leaner_redemption_functions.py",
        "claim": "2026-11-30-0620_policy_benefits_and_attestations.py",
        "account": "2026-11-24-1700_redemption_functions.py",
    }
    modules = {}
    for name, file in files.items():
        spec = importlib.util.spec_from_file_location(f"previous_{name}", Path(__file__).with_name(file))
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules[name] = module
    return modules


@contextmanager
def _sqlite_batch(table: str) -> Iterator[Any]:
    """``op.batch_alter_table`` that keeps the triggers (migration 0023 says why)."""
    query = sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE :t")
    triggers = op.get_bind().execute(query, {"t": f"%{table}%"}).all()
    for name, _ in triggers:
        op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table(table, schema=None) as batch:
        yield batch
    for _, statement in triggers:
        op.execute(statement)
