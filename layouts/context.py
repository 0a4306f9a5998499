"""What a view's layout may know when it is built: no database, only these values."""

from __future__ import annotations

from dataclasses import dataclass, field

from data_access.disclosure import DisclosureParams


@dataclass(frozen=True)
class PageContext:
    """What a view's layout may know: no database, only these values."""

    as_of_label: str
    version: int
    params: DisclosureParams
    options: dict[str, str] = field(default_factory=dict)  # view options from the URL
    versions: tuple = ()  # data_access.query.VersionInfo, newest first (methodology)
    synthetic: bool = False  # the data version shown is the demo's (VersionInfo.synthetic)
