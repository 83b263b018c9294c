"""Request and response bodies of the welfare-project and donation routes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from service.donations.models import ProjectKind
from service.donations.serials import MAX_LENGTH

MAX_GOAL = 10**12
MAX_GIFT = 10**9  # far above any wallet; the ledger's own bound is higher still
CURSOR = "opaque cursor: pass it back as `cursor` to get the next page; null on the last page"
KIND = (
    "what the project does: tree_planting (植树造林), mangrove (红树林保护), school_solar (学校光伏屋顶), "
    "wetland (湿地保护) or other"
)
DONOR_NAME = (
    "the name to print on the certificate, as the donor chooses it (1-32 characters); omitted: the "
    "certificate says 匿名 (anonymous). Erased if the donor deletes their account"
)
SERIAL = (
    "the certificate's serial: TB-{city code}-DON-{year}-{sequence}-{two ISO 7064 MOD 97-10 check digits}; "
    "anyone can check it at GET /v1/donations/{serial}"
)
ANONYMOUS = "匿名"


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProjectIn(StrictBody):
    """A new public-welfare project; residents can donate to it while it is active."""

    kind: ProjectKind = Field(description=KIND)
    name_zh: str = Field(min_length=1, max_length=120, description="the project's name in Chinese")
    name_en: str = Field(min_length=1, max_length=120, description="the project's name in English")
    description_zh: str = Field(default="", max_length=2000, description="what the coins do, in Chinese")
    description_en: str = Field(default="", max_length=2000, description="what the coins do, in English")
    goal_coins: int = Field(gt=0, le=MAX_GOAL, description="the coins the project aims to raise")
    active: bool = Field(default=True, description="false: listed, but closed to donations")


class ProjectPatch(StrictBody):
    """Changes to a project: omitted fields keep their value, null is refused (422 null_field). Setting
    active to false closes it to donations; what it raised stays."""

    kind: ProjectKind | None = Field(default=None, description=KIND)
    name_zh: str | None = Field(default=None, min_length=1, max_length=120, description="name in Chinese")
    name_en: str | None = Field(default=None, min_length=1, max_length=120, description="name in English")
    description_zh: str | None = Field(default=None, max_length=2000, description="description in Chinese")
    description_en: str | None = Field(default=None, max_length=2000, description="description in English")
    goal_coins: int | None = Field(default=None, gt=0, le=MAX_GOAL, description="the coins to raise")
    active: bool | None = Field(default=None, description="false closes the project to donations")


class ProjectOut(BaseModel):
    """A public-welfare project and how far it has come."""

    id: int = Field(description="the project's id")
    kind: ProjectKind = Field(description=KIND)
    name_zh: str = Field(description="the project's name in Chinese")
    name_en: str = Field(description="the project's name in English")
    description_zh: str = Field(description="what the coins do, in Chinese; may be empty")
    description_en: str = Field(description="what the coins do, in English; may be empty")
    goal_coins: int = Field(description="the coins the project aims to raise")
    raised_coins: int = Field(
        description="coins donated so far: the balance of the project's ledger account (may pass the goal)"
    )
    donations: int = Field(description="how many donations it received")
    donors: int = Field(description="how many different residents donated")
    active: bool = Field(description="whether it takes donations now")
    created_at: dt.datetime = Field(description="when the city listed it (ISO 8601 timestamp, UTC)")


class ProjectPage(BaseModel):
    """A page of projects, by ascending id."""

    items: list[ProjectOut] = Field(description="the projects, by ascending id")
    next_cursor: str | None = Field(description=CURSOR)


class DonationIn(StrictBody):
    """A gift of coins to an active project. Donated coins never come back."""

    project_id: int = Field(ge=1, le=2**63 - 1, description="the project to give to")
    coins: int = Field(gt=0, le=MAX_GIFT, description="whole coins to give, from the available ones")
    donor_name: str | None = Field(
        default=None, min_length=1, max_length=32, pattern=r"^[^\x00-\x1f\x7f]*$", description=DONOR_NAME
    )


class ProjectBrief(BaseModel):
    """The project a donation went to."""

    id: int = Field(description="the project's id")
    kind: ProjectKind = Field(description=KIND)
    name_zh: str = Field(description="the project's name in Chinese")
    name_en: str = Field(description="the project's name in English")


class DonationOut(BaseModel):
    """One of the resident's donations."""

    id: int = Field(description="the donation's id")
    serial: str = Field(max_length=MAX_LENGTH, description=SERIAL)
    project: ProjectBrief = Field(description="the project given to")
    coins: int = Field(description="coins given")
    donor_name: str | None = Field(description="the name on the certificate; null: 匿名 (anonymous)")
    transfer_id: int = Field(description="the ledger transfer that moved the coins")
    created_at: dt.datetime = Field(description="when it was given (ISO 8601 timestamp, UTC)")
    replayed: bool = Field(
        default=False, description="true when this answers a retry with an earlier Idempotency-Key"
    )


class DonationPage(BaseModel):
    """A page of the resident's donations, by ascending id."""

    items: list[DonationOut] = Field(description="the donations, by ascending id")
    next_cursor: str | None = Field(description=CURSOR)


class CityBrief(BaseModel):
    """The city that issued the certificate."""

    code: str = Field(description="the city's code in serials, e.g. GQC")
    name_zh: str = Field(description="the city's name in Chinese")
    name_en: str = Field(description="the city's name in English")


class CertificateOut(BaseModel):
    """A donation's certificate (捐赠证书), public: it never names the resident, only the name they chose."""

    serial: str = Field(max_length=MAX_LENGTH, description=SERIAL)
    project: ProjectBrief = Field(description="the project given to")
    coins: int = Field(description="coins given")
    donor: str = Field(description="the name the donor chose for the certificate, or 匿名 (anonymous)")
    anonymous: bool = Field(description="true when the donor gave no name (or erased it)")
    donated_at: dt.datetime = Field(description="when it was given (ISO 8601 timestamp, UTC)")
    donated_on: dt.date = Field(description="the day it was given, in the city's time zone (YYYY-MM-DD)")
    city: CityBrief = Field(description="the city whose carbon-inclusive scheme issued it")
