"""Operators: pure image transforms with declared, bounded parameters and a strength.

An :class:`Operator` holds parameters only; the maths lives in a pure function beside it
(``apply_cdl`` for :class:`~workbench.ops.cdl.CDL`). Each operator declares the colour space it
works in and a ``strength`` in [0, 1] where 0 is the identity, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import param
import torch

from workbench.checks import check_image
from workbench.errors import ParameterError, ShapeError
from workbench.schema import UPGRADES, parse_schema, register_upgrade, upgrade

__all__ = [
    "OPERATORS",
    "UPGRADES",
    "Operator",
    "Pipeline",
    "UnknownOperator",
    "blend_matte",
    "check_matte",
    "operator_from_dict",
    "register_operator",
    "register_upgrade",
]

OPERATORS: dict[str, type[Operator]] = {}


def register_operator(cls: type[Operator]) -> type[Operator]:
    """Class decorator: make ``cls`` loadable from JSON by its class name.

    A later ``schema_version`` registers its steps with :func:`register_upgrade` (from
    :mod:`workbench.schema`, re-exported here), so older pipelines load as the current schema.
    """
    OPERATORS[cls.__name__] = cls
    return cls


def check_matte(matte: torch.Tensor, img: torch.Tensor, where: str) -> None:
    """Raise :class:`ShapeError` naming ``where`` unless ``matte`` fits ``img``.

    A matte is a float ``(B, 1, H, W)`` tensor (or ``(1, 1, H, W)``, shared by the batch) of
    the same height and width as ``img``, with every value in [0, 1] (no NaN).
    """
    if not isinstance(matte, torch.Tensor):
        raise ShapeError(f"{where} matte: expected a torch.Tensor, got {type(matte).__name__}")
    b, _, h, w = img.shape
    if (matte.ndim != 4 or matte.shape[1] != 1 or tuple(matte.shape[2:]) != (h, w)
            or matte.shape[0] not in (1, b)):
        raise ShapeError(
            f"{where} matte: expected shape ({b},1,{h},{w}), got {tuple(matte.shape)}"
        )
    if not matte.is_floating_point():
        raise ShapeError(f"{where} matte: expected a float tensor, got {matte.dtype}")
    if matte.numel() and not bool(((matte >= 0) & (matte <= 1)).all()):
        raise ShapeError(
            f"{where} matte: expected values in [0, 1], got "
            f"[{float(matte.min()):g}, {float(matte.max()):g}]"
            + (" and NaN" if bool(torch.isnan(matte).any()) else "")
        )


def blend_matte(img: torch.Tensor, graded: torch.Tensor, matte: torch.Tensor) -> torch.Tensor:
    """``img + matte * (graded - img)``, exact at both ends of the matte.

    Where ``matte == 0`` the result is ``img`` bit for bit (even where ``graded`` is Inf or
    NaN); where ``matte == 1`` it is ``graded`` bit for bit. In between it is
    :func:`torch.lerp`. ``matte`` must already have passed :func:`check_matte`.

    Shape
    -----
    ``img``, ``graded``: ``(B, 3, H, W)``; ``matte``: ``(B, 1, H, W)`` or ``(1, 1, H, W)``.
    """
    m = matte.to(dtype=img.dtype, device=img.device)
    mixed = torch.lerp(img, graded, m)
    return torch.where(m > 0, torch.where(m >= 1, graded, mixed), img)


class Operator(param.Parameterized):
    """Base of every operator.

    Subclasses set ``space`` (the OCIO-registry name of the space they work in), declare
    ``param.Number`` parameters and implement ``_apply(img)`` at the current strength.
    """

    space: ClassVar[str] = "ACEScg"
    schema_version: ClassVar[int] = 1
    per_pixel: ClassVar[bool] = False
    """True when each output pixel depends on that input pixel alone (no position, no
    neighbours): the operator bakes into a LUT and previews through one. Subclasses say so."""

    strength = param.Number(1.0, bounds=(0.0, 1.0), step=0.01, label="Strength",
                            doc="Blend from the identity (0) to the full correction (1).")

    def __init__(self, **params: Any) -> None:
        # Name the operator and parameter in the error, as a colourist would read it.
        for key, value in params.items():
            if key not in self.param or key == "name":
                continue
            p = self.param[key]
            lo, hi = getattr(p, "bounds", None) or (None, None)
            if isinstance(value, int | float) and not math.isfinite(value):
                raise ParameterError(f"{type(self).__name__}.{key} must be finite, got {value}")
            if isinstance(value, int | float):
                if lo is not None and value < lo:
                    raise ParameterError(
                        f"{type(self).__name__}.{key} must be >= {lo}, got {value}"
                    )
                if hi is not None and value > hi:
                    raise ParameterError(
                        f"{type(self).__name__}.{key} must be <= {hi}, got {value}"
                    )
        unknown = sorted(k for k in params if k not in self.param)
        if unknown:
            raise ParameterError(
                f"{type(self).__name__}: unknown parameter(s) {', '.join(unknown)}; "
                f"known: {', '.join(self.parameter_names())}"
            )
        try:
            super().__init__(**params)
        except ValueError as exc:  # param's own bound and type checks
            raise ParameterError(f"{type(self).__name__}: {exc}") from None

    @classmethod
    def parameter_names(cls) -> list[str]:
        """The declared parameters, in declaration order, without param's ``name``."""
        return [n for n in cls.param if n != "name"]

    def values(self) -> Any:  # pragma: no cover - overridden where a plain form exists
        """The operator's parameters as plain values."""
        return self.params_dict()

    def params_dict(self) -> dict[str, Any]:
        """Every declared parameter but ``strength``: floats, and strings for ``param.String``."""
        return {
            n: str(getattr(self, n)) if isinstance(self.param[n], param.String)
            else float(getattr(self, n))
            for n in self.parameter_names() if n != "strength"
        }

    def forward(self, img: torch.Tensor, matte: torch.Tensor | None = None) -> torch.Tensor:
        """Apply to ``img`` (B,3,H,W), already in ``self.space``; strength 0 returns a copy.

        ``matte`` (``(B,1,H,W)`` or ``(1,1,H,W)``, values in [0, 1]) limits the correction:
        ``out = img + matte * (op(img) - img)``. ``None`` grades the whole frame; pixels where
        the matte is 0 come back bit for bit unchanged, where it is 1 fully graded.
        """
        name = type(self).__name__
        check_image(img, f"{name} input")
        if matte is not None:
            check_matte(matte, img, name)
        if self.strength == 0.0:
            return img.clone()
        if matte is None:
            return self._apply(img)
        return blend_matte(img, self._apply(img), matte)

    def _apply(self, img: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def apply(
        self, img: torch.Tensor, working_space: str = "ACEScg",
        matte: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Apply to ``img`` in ``working_space``: convert into ``self.space`` and back.

        ``matte`` limits the correction as in :meth:`forward`; see :meth:`Pipeline.apply`.
        """
        return Pipeline([self]).apply(img, working_space, matte)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"schema": "CDL.1", "space", "strength", "params"}``."""
        return {
            "schema": f"{type(self).__name__}.{self.schema_version}",
            "space": self.space,
            "strength": float(self.strength),
            "params": self.params_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Operator:
        """Inverse of :meth:`to_dict` for this class's current schema."""
        return cls(strength=data.get("strength", 1.0), **data.get("params", {}))

    def with_params(self, **changes: Any) -> Operator:
        """A copy with ``changes`` (declared parameters, ``strength`` included) applied.

        Operators that carry data beyond their parameters (a LUT's table) keep it.
        """
        return type(self)(**{"strength": self.strength, **self.params_dict(), **changes})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Operator) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v:g}"
                         for k, v in self.params_dict().items())
        return f"{type(self).__name__}({args}, strength={self.strength:g})"

    __str__ = __repr__


class UnknownOperator:
    """An operator from a newer or foreign workbench, kept verbatim.

    A round trip through it loses nothing.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        """The dict exactly as it was read."""
        return self.data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnknownOperator) and self.data == other.data

    def __hash__(self) -> int:
        return hash(json.dumps(self.data, sort_keys=True))


def operator_from_dict(data: dict[str, Any]) -> Operator | UnknownOperator:
    """Rebuild an operator from :meth:`Operator.to_dict` output; unknown schemas are kept."""
    parsed = parse_schema(data.get("schema"))
    cls = OPERATORS.get(parsed[0]) if parsed else None
    if parsed is None or cls is None or parsed[1] > cls.schema_version:
        return UnknownOperator(data)  # a newer or foreign operator survives a round trip
    return cls.from_dict(upgrade(data, f"{parsed[0]}.{cls.schema_version}", parsed[0]))


class Pipeline:
    """An ordered list of operators: inert data that validates, compares, hashes and applies."""

    schema = "Pipeline.1"

    def __init__(self, operators: Iterable[Operator | UnknownOperator] = ()) -> None:
        self.operators = list(operators)

    def __iter__(self) -> Iterator[Operator | UnknownOperator]:
        return iter(self.operators)

    def __len__(self) -> int:
        return len(self.operators)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pipeline) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.cache_key())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, ``{"schema": "Pipeline.1", "operators": [...]}``."""
        return {"schema": self.schema, "operators": [op.to_dict() for op in self.operators]}

    def to_json(self) -> str:
        """Canonical JSON (sorted keys): equal pipelines give equal text."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "pipeline") -> Pipeline:
        """Inverse of :meth:`to_dict`; operators of unknown schema survive untouched.

        An older ``Pipeline.N`` is upgraded (:mod:`workbench.schema`); a newer one is refused
        with a :class:`ParameterError` naming ``where`` (the file it came from). Raises
        :class:`ParameterError` naming the operator (its position, from 1, and schema) and the
        value when one holds a value outside its bounds, e.g. a CDL power <= 0.
        """
        data = upgrade(data, cls.schema, where)
        operators: list[Operator | UnknownOperator] = []
        for i, d in enumerate(data.get("operators", []), start=1):
            try:
                operators.append(operator_from_dict(d))
            except ParameterError as exc:
                raise ParameterError(f"operator {i} ({d.get('schema')}): {exc}") from None
        return cls(operators)

    @classmethod
    def from_json(cls, text: str, where: str = "pipeline") -> Pipeline:
        """Inverse of :meth:`to_json`; ``where`` names the source in errors."""
        return cls.from_dict(json.loads(text), where)

    def cache_key(self) -> str:
        """A stable SHA-256 of the canonical JSON: the same grade gives the same key."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    def validate(self) -> None:
        """Raise :class:`ParameterError` if an operator is unknown to this workbench."""
        for op in self.operators:
            if isinstance(op, UnknownOperator):
                raise ParameterError(
                    f"unknown operator {op.data.get('schema')!r}; "
                    f"known: {', '.join(sorted(OPERATORS))}"
                )

    def at_strength(self, strength: float) -> Pipeline:
        """A copy with every operator at ``strength``: how a decision at that strength renders.

        Raises :class:`ParameterError` for an operator of unknown schema (see :meth:`validate`).
        """
        self.validate()
        return Pipeline(op.with_params(strength=strength)
                        for op in self.operators if isinstance(op, Operator))

    def apply(
        self, img: torch.Tensor, working_space: str = "ACEScg",
        matte: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Apply every operator in order to ``img`` (B,3,H,W) in ``working_space``.

        Each operator runs in its own declared space; conversions go through
        :mod:`workbench.color`, and only when the space changes.

        ``matte`` (``(B,1,H,W)`` or ``(1,1,H,W)``, values in [0, 1]) is handed to every
        operator, which blends in its own space. Pixels where it is 0 come back bit for bit
        unchanged, whatever colour-space round trips the pipeline makes.
        """
        from workbench.color import convert

        self.validate()
        check_image(img, "pipeline input")
        if matte is not None:
            check_matte(matte, img, "pipeline")
        current, out = working_space, img
        for op in self.operators:
            assert isinstance(op, Operator)
            if op.strength == 0.0:
                continue
            if op.space != current:
                out = convert(out, current, op.space)
                current = op.space
            out = op.forward(out, matte)
        if current != working_space:
            out = convert(out, current, working_space)
        if matte is not None and out is not img:
            out = torch.where(matte.to(dtype=img.dtype, device=img.device) > 0, out, img)
        return out if out is not img else img.clone()
