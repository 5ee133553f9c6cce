"""Index of Multiple Deprivation (IMD) deciles and quintiles.

Convention (English Indices of Deprivation; MSDS ``Rank_IMD_Decile``): decile 1 is
the most deprived 10% of LSOAs, decile 10 the least deprived. Quintile q holds
deciles 2q-1 and 2q. Labels are explicit about the direction so that no chart or
table can be read upside down.
"""

from __future__ import annotations

NOT_KNOWN = "Not known"


def decile_label(decile: int) -> str:
    """'1 (most deprived)' ... '10 (least deprived)'."""
    if decile == 1:
        return "1 (most deprived)"
    if decile == 10:
        return "10 (least deprived)"
    return str(decile)


def quintile_label(quintile: int) -> str:
    """'1 (most deprived)' ... '5 (least deprived)'."""
    if quintile == 1:
        return "1 (most deprived)"
    if quintile == 5:
        return "5 (least deprived)"
    return str(quintile)


def decile_to_quintile(decile: int) -> int:
    return (decile + 1) // 2


DECILE_ORDER: tuple[str, ...] = (*(decile_label(d) for d in range(1, 11)), NOT_KNOWN)
QUINTILE_ORDER: tuple[str, ...] = (*(quintile_label(q) for q in range(1, 6)), NOT_KNOWN)
