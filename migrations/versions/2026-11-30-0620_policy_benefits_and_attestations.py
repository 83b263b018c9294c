"""The city's policy benefits (eligibility on offers, free vouchers) and residents' signed attestations.

Why (issue 17 part 6): the plan says coins may be used "for obtaining policy benefits" (获取政策指标), and a
bank offering carbon-account-linked green credit needs a statement of a resident's account it can check.

- Benefits reuse offers and vouchers, so they get stock, a per-resident limit, validity and a voucher code
  the city's venues consume like any merchant's. They are offers of the city's own merchant
  (``merchants.city_owned``) with ``benefit`` set and eligibility columns (a level, lifetime grams, a
  family with a credited action). A benefit may be free: ``price > 0`` becomes "positive unless a benefit",
  and a free voucher holds no coins, so ``vouchers.hold_id`` may be null (only at price 0).
- ``tanbi_claim_voucher`` takes whether the claim is for a benefit: an ordinary claim of a benefit is
  refused as an unknown offer (eligibility is checked before a benefit claim, in Python), and a free
  benefit's claim writes the voucher and takes the stock without touching the ledger. Stock is taken by
  the same guarded update as before, last, so it is never oversold.
- ``attestations``: what each signed attestation disclosed, to whom, until when, and its revocation, for
  the public revocation check. The signed token itself is not stored.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 06:20:00+00:00
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime(timezone=True)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PRICE_RULE = "price > 0 OR (benefit AND price = 0)"
RULES_ONLY_ON_BENEFITS = "benefit OR (min_level IS NULL AND min_lifetime_grams IS NULL AND family IS NULL)"
OLD_CLAIM_SIGNATURE = "tanbi_claim_voucher(bigint, bigint, text, integer, integer, timestamptz)"
NEW_CLAIM_SIGNATURE = "tanbi_claim_voucher(bigint, bigint, text, integer, integer, timestamptz, boolean)"

# Migration 0016's body with two changes, marked "0021": p_benefit must match the offer, and a free offer
# (price 0, benefits only) skips the wallet, the hold and the lots.
CLAIM = """
CREATE FUNCTION tanbi_claim_voucher(p_resident bigint, p_offer bigint, p_code text,
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
    -- 0021: a benefit is claimed only as a benefit (after its eligibility check), an offer only as an offer.
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
    -- 0021: a free benefit holds no coins.
    IF o.price > 0 THEN
        SELECT id INTO v_wallet FROM accounts WHERE code = 'wallet:' || p_resident;
        IF v_wallet IS NULL THEN RETURN jsonb_build_object('code', 'insufficient_funds', 'available', 0); END IF;
        v_till_code := CASE WHEN v_wallet % p_shards = 0 THEN 'merchant:' || o.merchant_id
                            ELSE 'merchant:' || o.merchant_id || ':' || (v_wallet % p_shards) END;
        SELECT id INTO v_till FROM accounts WHERE code = v_till_code;
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
        UPDATE accounts SET held = held + o.price WHERE id = v_wallet AND balance - held >= o.price;
        IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'TB001', MESSAGE = 'not enough coins available'; END IF;
        INSERT INTO holds (debit_account_id, credit_account_id, amount, kind, reference, idempotency_key, status,
                           expires_at, created_at)
        VALUES (v_wallet, v_till, o.price, 'voucher', 'offer:' || o.id, v_key, 'pending', v_expires, p_now)
        RETURNING id INTO v_hold;
        INSERT INTO idempotency_records (key, fingerprint, operation, created_at, hold_id)
        VALUES (v_key, v_fingerprint, 'hold', now(), v_hold);
        -- Ledger._take_lots with a hold: the coins are reserved, earliest expiry first.
        v_left := o.price;
        FOR r IN SELECT id, remaining, held FROM lots
                 WHERE account_id = v_wallet AND expires_at > p_now AND remaining > held
                 ORDER BY expires_at, id LOOP
            v_take := least(v_left, r.remaining - r.held);
            CONTINUE WHEN v_take <= 0;
            UPDATE lots SET held = held + v_take WHERE id = r.id;
            INSERT INTO lot_allocations (lot_id, amount, hold_id) VALUES (r.id, v_take, v_hold);
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


def upgrade() -> None:
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("city_owned", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("benefit", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("min_level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("min_lifetime_grams", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("family", sa.String(length=32), nullable=True))
        batch_op.drop_constraint(op.f("ck_offers_price_positive"), type_="check")
        batch_op.create_check_constraint(op.f("ck_offers_price_positive_unless_benefit"), PRICE_RULE)
        batch_op.create_check_constraint(op.f("ck_offers_rules_only_on_benefits"), RULES_ONLY_ON_BENEFITS)
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.alter_column("hold_id", existing_type=ID, nullable=True)
        batch_op.create_check_constraint(
            op.f("ck_vouchers_hold_unless_free"), "hold_id IS NOT NULL OR price = 0"
        )
    _attestations()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {OLD_CLAIM_SIGNATURE}")
        op.get_bind().exec_driver_sql(CLAIM)  # verbatim: the body contains ":r", not bind parameters


def _attestations() -> None:
    op.create_table(
        "attestations",
        sa.Column("id", ID, primary_key=True),
        sa.Column("jti", sa.String(40), nullable=False),
        sa.Column("resident_id", ID, sa.ForeignKey("residents.id"), nullable=False),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column("audience", sa.String(200), nullable=False),
        sa.Column("disclosed", sa.String(40), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=True),
        sa.Column("period_to", sa.Date(), nullable=True),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("revoked_at", TIME, nullable=True),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_attestations_expires_after_creation")),
        sa.CheckConstraint(
            "(period_from IS NULL AND period_to IS NULL) OR period_to >= period_from",
            name=op.f("ck_attestations_period_valid"),
        ),
        sa.UniqueConstraint("jti", name=op.f("uq_attestations_jti")),
    )
    op.create_index("ix_attestations_resident_id_created_at", "attestations", ["resident_id", "created_at"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {NEW_CLAIM_SIGNATURE}")
        op.get_bind().exec_driver_sql(_revision_0016().CLAIM.replace("CREATE OR REPLACE", "CREATE", 1))
    op.drop_index("ix_attestations_resident_id_created_at", table_name="attestations")
    op.drop_table("attestations")
    # Free vouchers and benefits cannot go back to a schema that requires a hold and a positive price: the
    # constraints below then fail and the downgrade stops, rather than delete residents' vouchers.
    with op.batch_alter_table("vouchers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_vouchers_hold_unless_free"), type_="check")
        batch_op.alter_column("hold_id", existing_type=ID, nullable=False)
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_offers_rules_only_on_benefits"), type_="check")
        batch_op.drop_constraint(op.f("ck_offers_price_positive_unless_benefit"), type_="check")
        batch_op.create_check_constraint(op.f("ck_offers_price_positive"), "price > 0")
        for column in ("family", "min_lifetime_grams", "min_level", "benefit"):
            batch_op.drop_column(column)
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.drop_column("city_owned")


def _revision_0016() -> ModuleType:
    """Migration 0016, whose claim function the downgrade puts back (its file name is not a module name)."""
    path = Path(__file__).with_name("2026-11-30-0440_leaner_redemption_functions.py")
    spec = importlib.util.spec_from_file_location("leaner_redemption_functions_0016", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
