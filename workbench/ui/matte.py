"""MatteView: a key pulled live on a plate, shown as plate, matte, overlay or composite.

One slider per numeric parameter the :class:`~workbench.matte.keyer.Keyer` declares and a
menu per choice, generated from its ``param`` declarations as the grade panel's are. Every
change re-keys the plate: on a proxy (``proxy_width``) while a slider is held, at full size on
release, as the grade panel previews. Keys are pulled on a background thread that always skips
to the newest settings, so a fast drag never queues stale keys (``threaded=False`` keys at
once, on the caller's thread: scripts and tests). With a trained matte model the key can be
shown as the model corrects it (``use_model``).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import param
import torch
import torch.nn.functional as F
import traitlets as t

from workbench.checks import check_finite, check_image
from workbench.errors import ShapeError, WorkbenchError
from workbench.matte.composite import composite
from workbench.matte.keyer import Keyer, KeyResult, key
from workbench.matte.model import MatteModel
from workbench.ui.frames import display_encode, encode_jpeg, one_torch_thread
from workbench.ui.grade import parameter_spec

__all__ = ["MATTE_MODES", "MatteView", "keyer_spec"]

STATIC = Path(__file__).with_name("static")
MATTE_MODES = ("plate", "matte", "overlay", "composite")
PROXY_WIDTH = 640
_OVERLAY = np.array([255, 40, 40], np.float32)  # what the keyed-out area is tinted with
_CHECKER = (0.18, 0.06)  # linear greys of the checkerboard behind a composite without background


def keyer_spec(keyer: Keyer) -> list[dict[str, Any]]:
    """One control per declared parameter of ``keyer`` but ``strength``.

    Numbers and integers are sliders (:func:`~workbench.ui.grade.parameter_spec`: soft bounds
    as the range, hard bounds held); selectors are menus (``kind="select"``, ``options``).
    Parameters with no control (a picked screen colour) are left out.
    """
    specs = []
    for name in keyer.parameter_names():
        p = keyer.param[name]
        if name == "strength":
            continue
        if isinstance(p, param.Number):
            spec = parameter_spec(keyer, name)  # type: ignore[arg-type]
            if isinstance(p, param.Integer):
                spec["step"] = max(1.0, float(spec["step"]))
                spec["integer"] = True
            specs.append(spec)
        elif isinstance(p, param.Selector):
            specs.append({"name": name, "label": p.label or name, "doc": p.doc or "",
                          "kind": "select", "options": list(p.objects),
                          "value": getattr(keyer, name), "default": getattr(keyer, name)})
    return specs


def _resize(img: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if img.shape[-2:] == size:
        return img
    mode = "area" if img.shape[-1] > size[1] else "bilinear"
    if mode == "area":
        return F.interpolate(img, size=size, mode="area")
    return F.interpolate(img, size=size, mode="bilinear", align_corners=False)


def _checkerboard(h: int, w: int, cell: int = 16) -> torch.Tensor:
    yy, xx = torch.meshgrid(torch.arange(h) // cell, torch.arange(w) // cell, indexing="ij")
    lo, hi = _CHECKER
    return torch.where((yy + xx) % 2 == 0, hi, lo).float().expand(1, 3, h, w).contiguous()


class MatteView(anywidget.AnyWidget):
    """A live key of one plate with its keyer's parameters as sliders.

    Parameters
    ----------
    plate
        ``(1, 3, H, W)`` float32 in the ACEScg working space.
    keyer
        The starting :class:`~workbench.matte.keyer.Keyer` (``reset`` returns to it).
    background
        ``(1, 3, h, w)`` ACEScg for the composite view (resized to the plate for the preview);
        ``None`` shows a checkerboard.
    model
        A trained :class:`~workbench.matte.model.MatteModel`; ``use_model`` shows its matte.
    clean_plate
        ``(1, 3, H, W)``: a difference key instead of a chroma key.
    proxy_width
        Width of the preview while a slider is held.
    threaded
        Key on a background thread, newest request first (see the module docstring);
        :meth:`wait` blocks until the newest settings are shown.

    Traits: ``mode`` (plate | matte | overlay | composite), ``spec`` (the controls),
    ``values`` ({param: value}), ``dragging``, ``use_model``, ``has_model``, ``image`` (JPEG of
    the current view), ``seq`` (bumped per image sent; the front end's ``<img
    data-testid="wb-matte-preview" data-frame-seq=N>`` follows once painted), ``proxy``,
    ``coverage`` (mean alpha of the shown key), ``error``.
    """

    _esm = STATIC / "matte.js"
    _css = STATIC / "workbench.css"

    mode = t.Enum(list(MATTE_MODES), "composite").tag(sync=True)
    spec = t.List(t.Dict()).tag(sync=True)
    values = t.Dict().tag(sync=True)
    dragging = t.Bool(False).tag(sync=True)
    use_model = t.Bool(False).tag(sync=True)
    has_model = t.Bool(False).tag(sync=True)
    model_info = t.Unicode("").tag(sync=True)
    image = t.Bytes(b"").tag(sync=True)
    mime = t.Unicode("image/jpeg").tag(sync=True)
    seq = t.Int(0).tag(sync=True)
    proxy = t.Bool(False).tag(sync=True)
    source_width = t.Int(0).tag(sync=True)
    source_height = t.Int(0).tag(sync=True)
    coverage = t.Float(0.0).tag(sync=True)
    error = t.Unicode("").tag(sync=True)

    def __init__(self, plate: torch.Tensor, keyer: Keyer | None = None, *,
                 background: torch.Tensor | None = None, model: MatteModel | None = None,
                 clean_plate: torch.Tensor | None = None, proxy_width: int = PROXY_WIDTH,
                 threaded: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._threaded = threaded
        self._wake = threading.Condition()
        self._wanted = self._shown = 0  # requests made, and the newest one rendered
        self._worker: threading.Thread | None = None
        check_image(plate, "MatteView plate")
        if plate.shape[0] != 1:
            raise ShapeError(f"MatteView plate: expected one frame (1, 3, H, W), got "
                             f"{tuple(plate.shape)}")
        check_finite(plate, "MatteView plate")
        self._plate = plate.detach().float().contiguous()
        h, w = self._plate.shape[-2:]
        scale = min(1.0, proxy_width / w)
        self._proxy_size = (max(1, round(h * scale)), max(1, round(w * scale)))
        self._clean = clean_plate
        self._background = background
        self._model = model
        self._keyer = keyer or Keyer()
        self._cache: dict[tuple[Any, ...], tuple[KeyResult, torch.Tensor]] = {}
        self.timings: dict[str, float] = {}
        with self.hold_trait_notifications(), self.hold_sync():
            self.source_width, self.source_height = w, h
            self.spec = keyer_spec(self._keyer)
            self.values = {s["name"]: s["default"] for s in self.spec}
            self.has_model = model is not None
            self.use_model = model is not None
            if model is not None:
                m = model.metadata.get("metrics", {})
                self.model_info = (f"matte model {model.version_id or '(unsaved)'}: trust "
                                   f"{model.trust:.2f}, held-out MSE "
                                   f"{m.get('held_out_model_mse', float('nan')):.4g} vs keyer "
                                   f"{m.get('held_out_keyer_mse', float('nan')):.4g}")
        self.observe(self._changed, ["values", "mode", "use_model", "dragging"])
        self.on_msg(self._on_front_end)
        self.render()

    # -- what the view holds --------------------------------------------------------------------

    def keyer(self) -> Keyer:
        """The keyer at the view's current values."""
        values = dict(self.values)
        for s in self.spec:
            if s.get("integer") and s["name"] in values:
                values[s["name"]] = round(float(values[s["name"]]))
        return self._keyer.__class__(**{**self._keyer_params(), **values})

    def _keyer_params(self) -> dict[str, Any]:
        return {n: getattr(self._keyer, n) for n in self._keyer.parameter_names()}

    def matte(self, full: bool = True) -> torch.Tensor:
        """The shown matte ``(1, 1, H, W)``: the key, corrected by the model when ``use_model``."""
        return self._key(full)[1]

    def set_value(self, name: str, value: Any) -> None:
        """Set one parameter (numbers held to their hard bounds)."""
        spec = next((s for s in self.spec if s["name"] == name), None)
        if spec is None:
            raise KeyError(f"MatteView: no control {name!r}; controls: "
                           f"{', '.join(s['name'] for s in self.spec)}")
        if spec["kind"] == "number":
            value = float(value)
            lo, hi = spec.get("hard_min"), spec.get("hard_max")
            value = max(value, lo) if lo is not None else value
            value = min(value, hi) if hi is not None else value
            if spec.get("integer"):
                value = round(value)
        self.values = {**self.values, name: value}

    def reset(self, name: str | None = None) -> None:
        """Back to the starting keyer: one parameter, or all."""
        defaults = {s["name"]: s["default"] for s in self.spec}
        self.values = defaults if name is None else {**self.values, name: defaults[name]}

    # -- rendering ------------------------------------------------------------------------------

    def _key(self, full: bool) -> tuple[KeyResult, torch.Tensor]:
        use_model = self.use_model and self._model is not None
        cache_key = (full, tuple(sorted(self.values.items())), use_model)
        if cache_key in self._cache:
            return self._cache[cache_key]
        plate = self._plate if full else _resize(self._plate, self._proxy_size)
        clean = None
        if self._clean is not None:
            clean = self._clean.float() if full else _resize(self._clean.float(), self._proxy_size)
        t0 = time.perf_counter()
        result = key(plate, self.keyer(), clean_plate=clean)
        alpha = result.alpha
        self.timings["key_ms"] = (time.perf_counter() - t0) * 1e3
        if use_model and self._model is not None:
            t0 = time.perf_counter()
            alpha = self._model.apply(plate, alpha)
            self.timings["model_ms"] = (time.perf_counter() - t0) * 1e3
        self._cache = {cache_key: (result, alpha)}  # one entry: the newest
        return result, alpha

    def _picture(self, full: bool) -> np.ndarray:
        """The current mode's ``(H, W, 3)`` uint8 display picture."""
        plate = self._plate if full else _resize(self._plate, self._proxy_size)
        if self.mode == "plate":
            return display_encode(plate)
        result, alpha = self._key(full)
        self.coverage = float(alpha.mean())
        a = alpha[0, 0].numpy()[..., None]
        if self.mode == "matte":
            return np.repeat(np.clip(a * 255.0 + 0.5, 0, 255).astype(np.uint8), 3, axis=2)
        if self.mode == "overlay":
            shown = display_encode(plate).astype(np.float32)
            tint = 0.55 * (1.0 - a)
            return np.clip(shown * (1 - tint) + _OVERLAY * tint + 0.5, 0, 255).astype(np.uint8)
        h, w = plate.shape[-2:]
        bg = (_checkerboard(h, w) if self._background is None
              else _resize(self._background.float(), (h, w)))
        return display_encode(composite(result.despilled, alpha, bg))

    def render(self, full: bool | None = None) -> int:
        """Key and send the current view (full size unless a slider is held); returns ``seq``."""
        full = (not self.dragging) if full is None else full
        full = full or self._proxy_size == tuple(self._plate.shape[-2:])
        t0 = time.perf_counter()
        try:
            with one_torch_thread():
                picture = self._picture(full)
        except WorkbenchError as exc:
            self.error = str(exc)  # the last good picture stays
            return self.seq
        jpeg = encode_jpeg(picture)
        self.timings["render_ms"] = (time.perf_counter() - t0) * 1e3
        with self.hold_sync():
            self.error = ""
            self.image = jpeg
            self.proxy = not full
            self.seq += 1
        return self.seq

    def _changed(self, _change: dict[str, Any]) -> None:
        if not self._threaded:
            self.render()
            return
        with self._wake:
            self._wanted += 1
            self._wake.notify_all()
            if self._worker is None:
                self._worker = threading.Thread(target=self._serve, name="wb-matte",
                                                daemon=True)
                self._worker.start()

    def _serve(self) -> None:
        """The worker: render the newest request, skipping any that came meanwhile."""
        while True:
            with self._wake:
                while self._shown == self._wanted:
                    self._wake.wait()
                request = self._wanted
            self.render()
            with self._wake:
                self._shown = request
                self._wake.notify_all()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until the newest settings are shown; False if ``timeout`` passed first."""
        with self._wake:
            return self._wake.wait_for(lambda: self._shown == self._wanted, timeout)

    def _on_front_end(self, _widget: Any, content: dict[str, Any], _buffers: list[Any]) -> None:
        if content.get("type") == "reset":
            self.reset(content.get("name"))
