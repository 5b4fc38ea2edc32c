"""JupyterLab widgets of the workbench (anywidget; front end in ``widgets/``, no build step).

Usage in a notebook cell::

    from workbench.ui import Workbench, open_sample_title
    app = Workbench(open_sample_title("sample"))   # makes the sample title once (~30 s)
    app                                            # shows the whole app

``Workbench(title_dir, continuity=(), proxy_width=1024, threaded=True, select=None)`` composes:

- ``app.browser``: :class:`ShotBrowser` (``data-testid="wb-shot-browser"``); traits ``shots``
  (rows: name, scene, day, status, frames, flag, reasons...), ``thumbnails`` {name: JPEG},
  ``selected`` (shot name; set it to switch shots), ``filter_status``, ``filter_scene``,
  ``flagged_only``; ``set_continuity(rows)`` with rows ``{"item","group","flag","score",
  "reasons"}``; each card has ``data-testid="wb-shot-card"`` and ``data-shot=NAME``.
- ``app.grade``: :class:`GradePanel` (``wb-grade-panel``); ``strength`` (the main slider,
  ``<input type=range data-testid="wb-strength">``), ``proposed_strength``, ``values`` (one
  {param: value} per operator), ``spec``, ``dragging``, ``request_seq``; ``reset(op, name)``,
  ``set_value(op, name, v)``, ``pipeline()``, ``graded()``.
- ``app.compare``: :class:`CompareView` (``wb-compare``); ``before``/``after`` (JPEG bytes),
  ``mode`` (wipe | split | side-by-side | toggle | difference), ``wipe``, ``zoom`` (0 = fit),
  ``frame``, ``timecode``, ``seq`` (bumped per frame sent). The after image is
  ``<img data-testid="wb-preview" data-frame-seq=N>``; N increases after each frame is painted.
- ``app.scopes``: :class:`Scopes` (``wb-scopes``); ``waveform``/``parade``/``vectorscope``
  (PNG), ``histogram`` (float32 (4, 256)), ``mode``, ``seq``.
- ``app.decision``: :class:`DecisionBar` (``wb-decision-bar``); buttons
  ``data-testid="wb-accept" | "wb-adjust" | "wb-reject"``, note ``wb-note``, error
  ``wb-decision-error``; ``decide(button, note=None)`` from Python; traits ``plan``,
  ``model_version``, ``error``, ``last`` (the decision journaled).
- ``app.shortcuts``: :class:`~workbench.ui.keys.AppKeys` (``wb-keymap``), the key map under
  the viewer; keys inside the app never reach JupyterLab (``n``/``p`` shot, ``g`` accept,
  ``f`` reject, ``t`` before/after, ``,``/``.`` frame, Ctrl+Z/Ctrl+Shift+Z undo/redo).
- ``app.wait()`` blocks until the newest preview is shown; ``app.timings`` holds ms per stage
  (pipeline, display, jpeg, scopes). ``app.select(name)`` = ``app.browser.selected = name``.
  Edits to a shot (and their undo history) are kept across shot switches until decided.
- ``app.set_reference(key)``: what the compare view's before side shows (``source``,
  ``anchor``, ``proposal:ID``, ``still:NAME``); ``app.grab_still()`` keeps the graded frame in
  the title's ``stills/``; ``app.propose_fix(name)`` makes a flagged shot's continuity fix its
  proposal and shows it against the anchor; ``app.show_frame(n)`` / ``app.step_frame(d)``.

Previews render on a background thread that always skips to the newest request, at the ~1024 px
proxy unless the viewer is zoomed past it (then full resolution, once the slider rests); the
strengths one step either side are rendered ahead on a thread of their own (``app.ahead``). A
grade of per-pixel operators is baked per update into a 49^3 LUT on the cached ACEScct frame
(``frames.render_baked``), other grades run on every pixel; the ACES 2.0 display view is a 65^3
LUT (``frames.display_lut``, within ~1 code value of the exact transform, ~20x faster). Scopes
follow on their own thread once the slider rests 150 ms. Each thread gets its own Title
(ipykernel may deliver widget messages off the cell's thread). ``threaded=False`` renders
synchronously (scripts, tests). Every element of the widgets, and the app's container, carries
``data-lm-suppress-shortcuts`` so JupyterLab's command-mode keys never act on what is focused
inside the app.

:class:`TrainingView` (``wb-training``) stands alone: ``view = TrainingView(held_out)``,
then ``view.train(fn, **kwargs)`` (runs ``fn(callback=...)`` on a thread) and
``model = await view.wait_async()`` (the kernel stays free, so Stop works), or
``train_title(title, callback=view.callback)``; Stop (``wb-train-stop``) makes the callback
return False.

:class:`MatteView` (``wb-matte-view``) stands alone too: ``MatteView(plate, Keyer(...),
background=None, model=None)`` pulls the key live; ``mode`` (plate | matte | overlay |
composite, buttons ``wb-matte-mode-<mode>``), one control per Keyer parameter
(``wb-key-<name>``), ``use_model`` (``wb-matte-use-model``) shows a trained matte model's
correction; the picture is ``<img data-testid="wb-matte-preview" data-frame-seq=N>``.
"""

from workbench.ui.app import Workbench, open_sample_title
from workbench.ui.compare import MODES, CompareView
from workbench.ui.decision import DecisionBar
from workbench.ui.frames import PROXY_WIDTH, ShotPreview, render_preview
from workbench.ui.grade import GradePanel, operator_spec
from workbench.ui.matte import MatteView
from workbench.ui.scopes import Scopes
from workbench.ui.shots import ShotBrowser
from workbench.ui.training import TrainingView

__all__ = [
    "MODES",
    "PROXY_WIDTH",
    "CompareView",
    "DecisionBar",
    "GradePanel",
    "MatteView",
    "Scopes",
    "ShotBrowser",
    "ShotPreview",
    "TrainingView",
    "Workbench",
    "open_sample_title",
    "operator_spec",
    "render_preview",
]
