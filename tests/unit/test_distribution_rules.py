"""The rules Citus holds a schema to (service/db/distribution.py), each shown to fire on a schema that
breaks it and to stay quiet on one that keeps it."""

from __future__ import annotations

from service.db.distribution import LOCAL, REFERENCE, Column, Constraint, Distributed, violations

PLAN = {
    "residents": Distributed("id"),
    "wallets": Distributed("resident_id"),
    "logins": Distributed("hash", group="logins"),
    "merchants": REFERENCE,
    "audit": LOCAL,
}


def columns(**nullable: bool) -> list[Column]:
    base = [
        Column("residents", "id", "bigint", False),
        Column("wallets", "id", "bigint", False),
        Column("wallets", "resident_id", "bigint", nullable.get("resident_id", False)),
        Column("wallets", "merchant_id", "bigint", True),
        Column("logins", "hash", "character varying", False),
        Column("logins", "resident_id", "bigint", False),
        Column("merchants", "id", "bigint", False),
        Column("merchants", "wallet_id", "bigint", True),
        Column("audit", "id", "bigint", False),
        Column("audit", "wallet_id", "bigint", True),
    ]
    return base


def keyed() -> list[Constraint]:
    return [
        Constraint("residents", "pk_residents", "p", ("id",)),
        Constraint("wallets", "pk_wallets", "p", ("resident_id", "id")),
        Constraint("wallets", "fk_owner", "f", ("resident_id",), "residents", ("id",)),
        Constraint("wallets", "fk_merchant", "f", ("merchant_id",), "merchants", ("id",)),
        Constraint("logins", "pk_logins", "p", ("hash",)),
        Constraint("merchants", "pk_merchants", "p", ("id",)),
        Constraint("audit", "pk_audit", "p", ("id",)),
    ]


def test_a_schema_that_keeps_every_rule_has_no_violation() -> None:
    assert violations(PLAN, keyed(), columns()) == []


def test_a_unique_key_of_a_distributed_table_must_hold_its_distribution_column() -> None:
    broken = [*keyed(), Constraint("wallets", "uq_code", "u", ("id",))]
    assert violations(PLAN, broken, columns()) == ["wallets.uq_code: key (id) without resident_id"]


def test_a_distribution_column_may_not_be_null() -> None:
    assert violations(PLAN, keyed(), columns(resident_id=True)) == [
        "wallets: distribution column resident_id nullable"
    ]


def test_a_foreign_key_between_distributed_tables_joins_on_their_distribution_columns() -> None:
    across = Constraint("wallets", "fk_login", "f", ("resident_id",), "logins", ("resident_id",))
    off_column = Constraint("wallets", "fk_self", "f", ("merchant_id",), "wallets", ("id",))
    assert violations(PLAN, [*keyed(), across, off_column], columns()) == [
        "wallets.fk_login: refers to logins off the distribution columns",
        "wallets.fk_self: refers to wallets off the distribution columns",
    ]


def test_reference_and_local_tables_may_not_point_into_distributed_ones() -> None:
    from_reference = Constraint("merchants", "fk_wallet", "f", ("wallet_id",), "wallets", ("id",))
    from_local = Constraint("audit", "fk_wallet", "f", ("wallet_id",), "wallets", ("id",))
    to_local = Constraint("wallets", "fk_audit", "f", ("merchant_id",), "audit", ("id",))
    assert violations(PLAN, [*keyed(), from_reference, from_local, to_local], columns()) == [
        "audit.fk_wallet: local table refers to distributed wallets",
        "merchants.fk_wallet: reference table refers to non-reference wallets",
        "wallets.fk_audit: refers to local audit",
    ]


def test_a_group_hashes_one_type_and_every_table_is_placed() -> None:
    plan = {**PLAN, "logins": Distributed("hash")}  # a text column in the bigint resident group
    schema = [*columns(), Column("sessions", "id", "bigint", False)]
    assert violations(plan, keyed(), schema) == [
        "group resident: distribution columns of types bigint, character varying",
        "sessions: not in the plan",
    ]
    assert violations({**PLAN, "gone": LOCAL}, keyed(), columns()) == ["gone: planned but not in the schema"]
