"""Disclosure control: what may be published of a cell of the protected release.

Every number that leaves the data layer is made here from a cell's exact aggregates and
those of the cells it nests in. The rules, in the order they apply (docs/methodology.md
says the same to readers):

1. Minimum count: a count below K is withheld, and so is a count of 0: an empty cell
   and a cell of a few cases look the same ("fewer than K"), on every surface.
2. Minimum contributors: a number built from fewer than C contributing records
   (cases; worksites in the audit comparisons) is withheld.
3. Differencing guard: when a cell holds all but fewer than K of the records of a cell
   it nests in (the same definition with one condition relaxed: a filter dropped, a
   month widened to its quarter, an issue to its theme, ...), the two are not published
   as different numbers: the smaller shows the larger one's published value, marked as
   such (`SAME_AS_LARGER`: it includes fewer than K records outside the smaller cell),
   or is withheld (`NEAR_TOTAL`) when the larger one is. Two cells whose definitions
   nest are therefore either published the same or differ by at least K records, so no
   subtraction of published numbers isolates a group smaller than K, empty or not.
4. Noise on counts: a bounded, zero-mean integer from a fixed table, chosen by a hash of
   the cell's definition and its records' key sum. Asking the same question again, by
   any road, gives the same answer; two different definitions of the same records get
   independent noise, so equal published values never tell that two selections hold
   the same records.
5. Noise on sums of workers: every case's workers are multiplied, once and for good, by
   a factor 1 ± [10 %, 20 %] drawn from its own record key (the noise infusion method
   of the US Census Bureau's business statistics), then the count noise of rule 4 is
   added. Any published difference that isolates one large case gives its size with
   that case's own factor, however many routes are averaged: never within 10 %.
6. Sparsity (data_access.query): a breakdown most of whose mass would be withheld is
   refused whole, with the rule named.

A published count is never below K: noise that would take it lower is floored at K.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_NOISE = 10
# Per-case multiplicative factors of sums of workers (rule 5): |factor - 1| lies in
# [EZS_LOW, EZS_HIGH]. Fixed when the cells are built (data_access.load), so they are
# properties of the release, not settings of a running app.
EZS_LOW = 0.10
EZS_HIGH = 0.20

# Why a cell is withheld.
FEWER_THAN_K = "fewer_than_k"  # fewer than K records (or contributors), 0 included
NEAR_TOTAL = "near_total"  # within K records of a cell it nests in (rule 3)
# Published, but as the count of a larger cell it nests in, within K records of it.
SAME_AS_LARGER = "same_as_larger"


@dataclass(frozen=True)
class DisclosureParams:
    k: int = 10  # minimum published count
    c: int = 3  # minimum contributing records
    noise: int = 3  # counts: |noise| <= noise
    # A breakdown is refused when its published cells hold less than this share of what
    # the selection's published total says it should (rule 6).
    sparsity: float = 0.5

    def __post_init__(self) -> None:
        if self.k < 1 or self.c < 1 or self.noise < 0:
            raise ValueError("K and C must be at least 1 and the noise not negative")
        if self.c > self.k:
            raise ValueError("C must not exceed K")
        if self.noise > MAX_NOISE:
            raise ValueError(f"noise must be at most {MAX_NOISE}")
        if not 0 <= self.sparsity <= 1:
            raise ValueError("sparsity must be in [0, 1]")


@dataclass(frozen=True)
class Published:
    """A protected value: `value` is None exactly when the cell is withheld.

    `reason` says which rule withheld it (FEWER_THAN_K or NEAR_TOTAL), or that the value
    is a larger cell's (SAME_AS_LARGER). Each is safe to show: none tells an empty cell,
    or an empty difference, from a few records.
    """

    value: int | None
    reason: str | None = None

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Summed:
    """A total added up from published values, each protected on its own (a footprint's
    cases per quarter over its segments): written like a published count, but no cell of
    the release. Its own type so that a Published is only ever made here, by the rules."""

    value: int
    reason = None  # never withheld: a total with a withheld part is not made at all
    suppressed = False


SUPPRESSED = Published(None, FEWER_THAN_K)
NEAR = Published(None, NEAR_TOTAL)


def noise_weights(noise: int) -> dict[int, int]:
    """Integer weights of each noise value in [-noise, noise]: flat in the middle, so the
    noise is 0 no more often than any small value (a subtraction lands on the true
    difference rarely), with half weight at the two ends."""
    if noise == 0:
        return {0: 1}
    weights = {d: 2 for d in range(-noise, noise + 1)}
    weights[-noise] = weights[noise] = 1
    return weights


class Protector:
    """Applies the rules above with one parameter set."""

    def __init__(self, params: DisclosureParams | None = None) -> None:
        self.params = params or DisclosureParams()
        weights = noise_weights(self.params.noise)
        self._noise_values: list[int] = []
        for d in sorted(weights):
            self._noise_values.extend([d] * weights[d])

    @property
    def k(self) -> int:
        return self.params.k

    def noise(self, definition: str, key_sum: int) -> int:
        """The noise of a cell: fixed by its definition and the key sum of its records."""
        text = f"{definition}|{key_sum % 2**32}".encode()
        draw = int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")
        return self._noise_values[draw % len(self._noise_values)]

    def too_few(self, n: int, contributors: int) -> bool:
        """Rules 1 and 2."""
        return n < self.params.k or contributors < self.params.c

    def near(self, margin: int) -> bool:
        """Rule 3: a cell it nests in holds only `margin` records more."""
        return margin < self.params.k

    def count(self, definition: str, n: int, key_sum: int, contributors: int | None = None):
        """A count that rules 1-3 let be published, with its noise (rule 4)."""
        contributors = n if contributors is None else contributors
        if self.too_few(n, contributors):
            return SUPPRESSED
        return Published(max(n + self.noise(definition, key_sum), self.params.k))

    def total(
        self,
        definition: str,
        n: int,
        key_sum: int,
        perturbed: int,
        contributors: int | None = None,
    ) -> Published:
        """A sum of workers over `n` cases that rules 1-3 let be published; `perturbed`
        is the sum of the cases' workers, each already multiplied by its own factor
        (rule 5), to which the count noise of rule 4 is added."""
        contributors = n if contributors is None else contributors
        if self.too_few(n, contributors):
            return SUPPRESSED
        noisy = perturbed + self.noise("sum|" + definition, key_sum)
        return Published(max(noisy, self.params.k))

    @staticmethod
    def borrowed(larger: Published) -> Published:
        """Rule 3 for a cell within K records of a larger cell published as `larger`."""
        if larger.suppressed:
            return NEAR
        return Published(larger.value, SAME_AS_LARGER)


def ezs_factor_permille(record_key: int) -> int:
    """A case's multiplicative factor of its workers, in thousandths (rule 5).

    The same arithmetic as data_access.load builds into the cells, in SQL: the key's
    lowest bit chooses the sign of the change, the bits above it its size in
    [EZS_LOW, EZS_HIGH] (record keys are uniform, data_access.keys).
    """
    low = round(EZS_LOW * 1000)
    span = round((EZS_HIGH - EZS_LOW) * 1000)
    size = low + (record_key // 2) % (span + 1)
    sign = 1 if record_key % 2 == 0 else -1
    return 1000 + sign * size


def perturbed_workers(workers: int, record_key: int) -> int:
    """One case's workers after its factor, rounded half up (what the cells hold)."""
    return (workers * ezs_factor_permille(record_key) + 500) // 1000


def share(numerator: Published, denominator: Published) -> float | None:
    """A share from two published parts; None when either part is not published."""
    if numerator.suppressed or denominator.suppressed or not denominator.value:
        return None
    return min(1.0, numerator.value / denominator.value)
