"""The sentences of a flag: one per property, naming the amount in a colourist's units.

Each ``say_*`` takes the item's profile and its signed difference from the reference (in the
unit its check measures) and returns the phrase that follows "ITEM is ...".
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.model.profiles import ShotProfile

__all__ = [
    "amount_duv",
    "amount_mired",
    "amount_motion",
    "amount_percent",
    "amount_ratio",
    "amount_stops",
    "kelvin_change",
    "say_clip_level",
    "say_clip_tint",
    "say_clip_white_balance",
    "say_exposure",
    "say_framing",
    "say_motion",
    "say_ratio",
    "say_tint",
    "say_white_balance",
]


def kelvin_change(p: ShotProfile, d_mired: float) -> float:
    """Kelvin between the item and its reference, from the item's CCT and the mired step."""
    ref_mired = 1e6 / max(p.lighting.cct, 1.0) - d_mired
    return 1e6 / max(ref_mired, 1.0) - p.lighting.cct


def _round_k(k: float) -> int:
    return int(round(abs(k) / 50.0) * 50) or 50


def say_exposure(p: ShotProfile, d: float) -> str:
    """``d`` in stops."""
    return f"{abs(d):.1f} stop {'brighter' if d > 0 else 'darker'} (exposure)"


def say_white_balance(p: ShotProfile, d: float) -> str:
    """``d`` in mired (positive: warmer), said in kelvin at the item's CCT."""
    return (f"about {_round_k(kelvin_change(p, d))} K {'warmer' if d > 0 else 'cooler'}"
            f" (white balance, {abs(d):.0f} mired)")


def say_clip_level(p: ShotProfile, d: float) -> str:
    """``d`` in stops of the clipped highlights' level."""
    return (f"{abs(d):.1f} stop {'brighter' if d > 0 else 'darker'} where it clips (clip "
            f"level: clipped highlights sit at the same white in every item; a gain or a "
            f"contrast change applied after clipping moves them)")


def say_clip_white_balance(p: ShotProfile, d: float) -> str:
    """``d`` in mired of the clipped highlights' colour (positive: warmer)."""
    return (f"{'warmer' if d > 0 else 'cooler'} by {abs(d):.0f} mired where it clips (clip "
            f"white balance: clipped highlights are the same white in every item)")


def say_clip_tint(p: ShotProfile, d: float) -> str:
    """``d`` in Duv of the clipped highlights' colour (positive: greener)."""
    return (f"{'greener' if d > 0 else 'more magenta'} where it clips (clip tint, Duv "
            f"{d:+.4f}: clipped highlights are the same white in every item)")


def say_tint(p: ShotProfile, d: float) -> str:
    """``d`` in Duv (positive: greener)."""
    return f"{'greener' if d > 0 else 'more magenta'} (tint, Duv {d:+.4f})"


def say_ratio(word_up: str, word_down: str, prop: str) -> Callable[[ShotProfile, float], str]:
    """A sayer for a log2 ratio ``d``, as a percentage of the reference."""
    def say(p: ShotProfile, d: float) -> str:
        pct = round(abs(2.0 ** d - 1) * 100)   # "40% more", "30% less": of the reference
        return f"{pct}% {word_up if d > 0 else word_down} ({prop})"
    return say


def say_framing(p: ShotProfile, d: float) -> str:
    """The item's own framing (``d`` is the relative aspect difference)."""
    return f"framed {p.aspect:.2f}:1 with {p.fill:.0%} of the frame as picture (framing)"


def say_motion(p: ShotProfile, d: float) -> str:
    """``d`` in widths per frame of shakiness."""
    return f"{'shakier' if d > 0 else 'steadier'} by {abs(d) * 100:.1f}% of the width per frame " \
           f"(motion)"


# -- sizes of limits, in each check's unit ---------------------------------------------------

def amount_stops(v: float) -> str:
    """``v`` stops."""
    return f"{abs(v):.2f} stop"


def amount_mired(v: float) -> str:
    """``v`` mired."""
    return f"{abs(v):.0f} mired"


def amount_duv(v: float) -> str:
    """``v`` Duv."""
    return f"{abs(v):.4f} Duv"


def amount_ratio(v: float) -> str:
    """A log2 ratio ``v`` as a percentage."""
    return f"{abs(2.0 ** v - 1) * 100:.0f}%"


def amount_percent(v: float) -> str:
    """A relative difference ``v`` as a percentage."""
    return f"{abs(v) * 100:.0f}%"


def amount_motion(v: float) -> str:
    """``v`` widths per frame."""
    return f"{abs(v) * 100:.1f}% of the width per frame"
