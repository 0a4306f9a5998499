"""Disclosure control: what may be published of a cell, by the cell-key method.

Every number that leaves the data layer is made here from a cell's exact aggregates
(count, contributing cases, record-key sum, largest single contribution). The rules,
in the order they apply (docs/methodology.md says the same to readers):

1. A cell with no records is published as 0.
2. Minimum contributors: fewer than C contributing cases -> suppressed.
3. Minimum count: a count below K -> suppressed ("fewer than K").
4. Dominance (sums of workers only): one case holding more than the dominance share of
   the sum -> suppressed, since the sum would disclose that case's size.
5. Consistent perturbation: the cell key is the sum of the records' keys modulo 256;
   a fixed table maps it to noise in [-D, D] (counts) or a bounded fraction (sums) of
   max(D, a share of the sum, a share of the largest case). The same records always
   give the same key, so asking again, or by another route, never gives a new draw to
   average out. A perturbed value never falls below K.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

KEY_SPACE = 256
MAX_NOISE = 10


@dataclass(frozen=True)
class DisclosureParams:
    k: int = 10  # minimum published count
    c: int = 3  # minimum contributing cases
    noise: int = 3  # counts: |noise| <= noise
    sum_noise: float = 0.01  # sums: |noise| <= max(noise, sum_noise * sum, top_noise * largest)
    dominance: float = 0.8  # sums: suppressed when one case holds more than this share
    # Sums: the noise scale is at least this share of the largest single case, so a
    # large case withheld from one cell cannot be read back, to better than this share,
    # by subtracting the published parts from a published total.
    top_noise: float = 0.1

    def __post_init__(self) -> None:
        if self.k < 1 or self.c < 1 or self.noise < 0:
            raise ValueError("K and C must be at least 1 and the noise not negative")
        if self.c > self.k:
            raise ValueError("C must not exceed K")
        if self.noise > MAX_NOISE:
            # Past this the 256-entry table cannot hold the tails: noise would shrink.
            raise ValueError(f"noise must be at most {MAX_NOISE}")
        if not 0 <= self.sum_noise < 0.5 or not 0 < self.dominance <= 1:
            raise ValueError("sum_noise must be in [0, 0.5) and dominance in (0, 1]")
        if not 0 <= self.top_noise <= 0.5:
            raise ValueError("top_noise must be in [0, 0.5]")


@dataclass(frozen=True)
class Published:
    """A protected value: `value` is None exactly when the cell is suppressed."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None


SUPPRESSED = Published(None)


def perturbation_table(noise: int, salt: int = 0) -> tuple[int, ...]:
    """256 noise values in [-noise, noise], symmetric so the mean is exactly zero.

    Weights fall linearly with |d| (more small noise than large). The table is fixed by
    its arguments: the same on every process, host and data version.
    """
    if noise == 0:
        return (0,) * KEY_SPACE
    weights = {d: noise + 1 - abs(d) for d in range(-noise, noise + 1)}
    total = sum(weights.values())
    counts = {d: (KEY_SPACE * w) // total for d, w in weights.items()}
    for d in range(1, noise + 1):  # keep symmetry: +d and -d get the same count
        counts[-d] = counts[d]
    counts[0] = KEY_SPACE - sum(c for d, c in counts.items() if d != 0)
    values = [d for d, c in sorted(counts.items()) for _ in range(c)]
    random.Random(20210321 + salt).shuffle(values)
    return tuple(values)


class Protector:
    """Applies the rules above with one parameter set and its perturbation tables."""

    def __init__(self, params: DisclosureParams | None = None) -> None:
        self.params = params or DisclosureParams()
        self._count_noise = perturbation_table(self.params.noise)
        # Sums use their own table so a sum's noise tells nothing of its count's.
        self._sum_noise = perturbation_table(max(self.params.noise, 1), salt=1)
        self._sum_scale = max(self.params.noise, 1)

    @property
    def k(self) -> int:
        return self.params.k

    def count(self, n: int, key_sum: int, contributors: int | None = None) -> Published:
        """Protect a count of records (cases, or contacts) with their key sum."""
        if n <= 0:
            return Published(0)
        p = self.params
        contributors = n if contributors is None else contributors
        if contributors < p.c or n < p.k:
            return SUPPRESSED
        noisy = n + self._count_noise[key_sum % KEY_SPACE]
        return Published(max(noisy, p.k))

    def total(self, total: int, n_cases: int, key_sum: int, largest: int) -> Published:
        """Protect a sum of workers over `n_cases` cases, the largest holding `largest`."""
        if n_cases <= 0 or total <= 0:
            return Published(0)
        p = self.params
        if n_cases < p.c or total < p.k or largest > p.dominance * total:
            return SUPPRESSED
        fraction = self._sum_noise[key_sum % KEY_SPACE] / self._sum_scale
        noisy = total + int(round(fraction * self._sum_amplitude(total, largest)))
        return Published(max(noisy, p.k))

    def _sum_amplitude(self, total: int, largest: int) -> float:
        p = self.params
        return max(float(p.noise), p.sum_noise * total, p.top_noise * largest)

    def max_sum_error(self, total: int, largest: int = 0) -> int:
        """The bound on |published - true| for a published sum.

        Readers are told the part that does not depend on the (unpublished) largest
        case: max(noise, sum_noise * total); `largest` adds the top-contributor term.
        """
        return int(round(self._sum_amplitude(total, largest)))


def share(numerator: Published, denominator: Published) -> float | None:
    """A share from two published parts; None when either part is not published."""
    if numerator.suppressed or denominator.suppressed or not denominator.value:
        return None
    return min(1.0, numerator.value / denominator.value)
