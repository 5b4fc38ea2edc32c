"""``workbench look fit|apply|export``: learn a look from before/after folders, apply, export.

File kinds: PNG, TIFF and JPEG are sRGB-encoded (8 or 16 bit) and the look is learned on their
sRGB-encoded values; EXR is scene-linear in ``--colorspace`` (default ACEScg) and the look is
learned in ACEScct. ``apply`` writes PNG in as 16-bit PNG, JPEG in as 16-bit PNG (``.png``),
TIFF in as 16-bit TIFF and EXR in as half-float EXR, under the same file names.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

from workbench.commands.files import file_encoding
from workbench.io.formats import FORMATS

__all__ = ["DISPLAY_SUFFIXES", "EXR_SUFFIXES", "register"]

DISPLAY_SUFFIXES = tuple(s for f in FORMATS if f.kind == "still" and not f.scene_linear
                         for s in f.suffixes)
EXR_SUFFIXES = tuple(s for f in FORMATS if f.kind == "still" and f.scene_linear for s in f.suffixes)
DEFAULT_LINEAR = "ACEScg"


def _images(folder: Path, role: str) -> dict[str, Path]:
    from workbench.errors import MediaError

    if not folder.is_dir():
        raise MediaError(f"{folder}: {role} folder does not exist")
    files = {p.name: p for p in sorted(folder.iterdir())
             if p.is_file() and p.suffix.lower() in DISPLAY_SUFFIXES + EXR_SUFFIXES}
    if not files:
        raise MediaError(f"{folder}: no images (PNG, TIFF, JPEG, DPX or EXR) in the {role} folder")
    return files


def _look_space(path: Path) -> str:
    return "ACEScct" if path.suffix.lower() in EXR_SUFFIXES else "sRGB"


def _read(path: Path, linear_space: str, look_space: str) -> Any:
    """``path`` as a ``(1, 3, H, W)`` tensor in ``look_space``, NaN/Inf refused naming it."""
    import torch

    from workbench.checks import check_finite
    from workbench.color import convert
    from workbench.io import read_image

    rgb, _ = read_image(path)
    check_finite(rgb, path.name)
    img = torch.from_numpy(rgb).permute(2, 0, 1)[None].contiguous()
    return convert(img, file_encoding(path, linear_space), look_space)


def cmd_fit(a: argparse.Namespace) -> int:
    from workbench.color import resolve_space
    from workbench.errors import MediaError, ParameterError, ShapeError
    from workbench.io import read_image
    from workbench.model.look import fit_look

    resolve_space(a.colorspace)
    before, after = _images(a.before, "--before"), _images(a.after, "--after")
    only_before = sorted(set(before) - set(after))
    only_after = sorted(set(after) - set(before))
    if only_before or only_after:
        parts = []
        if only_before:
            parts.append(f"only in {a.before}: {', '.join(only_before)}")
        if only_after:
            parts.append(f"only in {a.after}: {', '.join(only_after)}")
        raise ParameterError("look fit: before and after images are matched by file name; "
                             + "; ".join(parts))
    names = sorted(before)
    spaces = {_look_space(before[n]) for n in names}
    if len(spaces) > 1:
        raise MediaError("look fit: mix of EXR and display files (PNG/TIFF/JPEG); a look is "
                         "learned from one kind")
    space = spaces.pop()
    befores, afters = [], []
    digest = hashlib.sha256()
    for name in names:
        b_path, a_path = before[name], after[name]
        b_info, a_info = read_image(b_path)[1], read_image(a_path)[1]
        if (b_info.width, b_info.height) != (a_info.width, a_info.height):
            raise ShapeError(f"look fit: {b_path} is {b_info.width}x{b_info.height} but "
                             f"{a_path} is {a_info.width}x{a_info.height}")
        befores.append(_read(b_path, a.colorspace, space))
        afters.append(_read(a_path, a.colorspace, space))
        for path in (b_path, a_path):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    model = fit_look(befores, afters, space=space, seed=a.seed, steps=a.steps,
                     progress=not getattr(a, "quiet", False))
    model.metadata["workbench.cli"] = {
        "files_sha256": digest.hexdigest(), "pairs": names,
        "linear_space": a.colorspace if space == "ACEScct" else None,
    }
    model.save(a.out)
    metrics = model.metadata["metrics"]
    print(f"look learned in {space} from {len(names)} pair(s): training ΔE2000 "
          f"{metrics['train_de2000_mean']:.3f} in {metrics['seconds']:.1f} s -> {a.out}")
    return 0


def _refuse_inside(out: Path, inp: Path) -> None:
    from workbench.errors import ParameterError

    o, i = out.resolve(), inp.resolve()
    if o == i or i in o.parents:
        raise ParameterError(f"look apply: --out {out} is (inside) --in {inp}; the sources are "
                             "never written to")


def cmd_apply(a: argparse.Namespace) -> int:
    import numpy as np
    from tqdm.auto import tqdm

    from workbench.color import convert
    from workbench.io import write_exr, write_png16, write_tiff16
    from workbench.model.look import LookModel

    _refuse_inside(a.out, a.inp)
    model = LookModel.load(a.model)
    linear = a.colorspace or (model.metadata.get("workbench.cli") or {}).get(
        "linear_space") or DEFAULT_LINEAR
    files = _images(a.inp, "--in")
    a.out.mkdir(parents=True, exist_ok=True)
    quiet = getattr(a, "quiet", False)
    for name, path in tqdm(files.items(), desc="look", unit="image", disable=quiet,
                           file=sys.stderr):
        img = _read(path, linear, model.space)
        graded = model.apply(img, a.strength)
        file_space = file_encoding(path, linear)
        rgb = convert(graded, model.space, file_space)[0].permute(1, 2, 0).numpy()
        rgb = np.ascontiguousarray(rgb, dtype=np.float32)
        suffix = path.suffix.lower()
        if suffix in EXR_SUFFIXES:
            write_exr(a.out / name, rgb)
        elif suffix in (".tif", ".tiff"):
            write_tiff16(a.out / name, rgb)
        else:
            write_png16(a.out / (Path(name).stem + ".png"), rgb)
    print(f"graded {len(files)} image(s) at strength {a.strength:g} -> {a.out}")
    return 0


def _space_comment(path: Path, space: str, size: int) -> None:
    """Say in the ``.cube`` which encoding it takes and gives (a reader cannot guess)."""
    from workbench.io import atomic_write_text

    lines = path.read_text().splitlines()
    note = [f"# workbench look: input and output are {space}-encoded values "
            f"({'sRGB-encoded Rec.709' if space == 'sRGB' else space}); {size}^3 samples"]
    at = 1 if lines and lines[0].startswith("TITLE") else 0
    atomic_write_text(path, "\n".join(lines[:at] + note + lines[at:]) + "\n")


def cmd_export(a: argparse.Namespace) -> int:
    from workbench.errors import ParameterError
    from workbench.interchange import write_cc, write_cube
    from workbench.interchange.cdl_fit import CDL_P95_LIMIT
    from workbench.model.look import LookModel

    if a.cube is None and a.cdl is None:
        raise ParameterError("look export: give --cube OUT.cube and/or --cdl OUT.cc")
    model = LookModel.load(a.model)
    image = None
    if a.for_image is not None:
        linear = a.colorspace or (model.metadata.get("workbench.cli") or {}).get(
            "linear_space") or DEFAULT_LINEAR
        image = _read(a.for_image, linear, model.space)
    if a.cube is not None:
        write_cube(a.cube, model.to_cube(a.size, for_image=image))
        _space_comment(a.cube, model.space, a.size)
        print(f"wrote {a.cube} ({a.size}^3, {model.space} in and out)")
    if a.cdl is not None:
        fit = model.cdl_fit(for_image=image)
        # The figures travel in the .cc itself, where whoever applies it will look.
        write_cc(a.cdl, fit.values, a.model.resolve().name or "look",
                 f"workbench look as a CDL in {model.space} (an approximation); "
                 f"{fit.describe()}")
        print(f"wrote {a.cdl} (CDL in {model.space})")
        print(f"{a.cdl.name}: {fit.describe()}", file=sys.stderr)
        if not fit.carries_grade():
            cube = a.cube.name if a.cube is not None else "a .cube (--cube OUT.cube)"
            print(f"workbench: warning: {a.cdl.name}: a CDL cannot carry this look (p95 dE2000 "
                  f"{fit.worst_p95:.2f} > {CDL_P95_LIMIT:g}); deliver {cube} instead",
                  file=sys.stderr)
    return 0


def _dispatch_help(parser: argparse.ArgumentParser) -> Any:
    def show(_: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2
    return show


def register(add: Any) -> None:
    """Add ``workbench look`` and its ``fit``, ``apply`` and ``export`` sub-commands."""
    look = add("look", None, "learn a title's look from before/after images; apply or export it")
    look.set_defaults(fn=_dispatch_help(look))
    sub = look.add_subparsers(dest="look_command", metavar="{fit,apply,export}")

    sp = sub.add_parser("fit", help="learn the look from pairs matched by file name",
                        description="Learn the look taking each --before image to the --after "
                        "image of the same name. PNG/TIFF/JPEG are sRGB-encoded (the look is "
                        "learned on those values); EXR is linear in --colorspace (the look is "
                        "learned in ACEScct). MODEL_DIR is written atomically.")
    sp.add_argument("--before", type=Path, required=True, help="ungraded images")
    sp.add_argument("--after", type=Path, required=True, help="graded images, same names")
    sp.add_argument("--out", type=Path, required=True, help="the model folder to write")
    sp.add_argument("--colorspace", default=DEFAULT_LINEAR,
                    help="space of EXR files (default ACEScg); PNG/TIFF/JPEG are sRGB")
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--steps", type=int, default=None, help="training steps (default 400)")
    sp.set_defaults(fn=cmd_fit)

    sp = sub.add_parser("apply", help="grade a folder of images with a look",
                        description="Grade every image of --in into --out under the same name: "
                        "PNG in -> 16-bit PNG, JPEG in -> 16-bit PNG (.png), TIFF in -> 16-bit "
                        "TIFF, EXR in -> half-float EXR. --in is never written; --out may not "
                        "be --in or inside it.")
    sp.add_argument("model", type=Path, metavar="MODEL_DIR")
    sp.add_argument("--in", dest="inp", type=Path, required=True)
    sp.add_argument("--out", type=Path, required=True)
    sp.add_argument("--strength", type=float, default=1.0, help="0 = unchanged, 1 = the look")
    sp.add_argument("--colorspace", default=None,
                    help="space of EXR files (default: the one the look was fitted from)")
    sp.set_defaults(fn=cmd_apply)

    sp = sub.add_parser("export", help="write the look as a .cube LUT and/or an ASC CDL (.cc)",
                        description="Write the look as a 3D .cube (its input and output are the "
                        "look's encoding: sRGB-encoded or ACEScct, said in the file) and/or the "
                        "ASC CDL in that encoding closest to the look in CIEDE2000 (.cc), its "
                        "error on the training colours, skin and neutrals on stderr and in the "
                        ".cc's Description, with a warning when the CDL cannot carry the look.")
    sp.add_argument("model", type=Path, metavar="MODEL_DIR")
    sp.add_argument("--cube", type=Path, default=None, metavar="OUT.cube")
    sp.add_argument("--cdl", type=Path, default=None, metavar="OUT.cc")
    sp.add_argument("--for", dest="for_image", type=Path, default=None, metavar="IMAGE",
                    help="fit the CDL on this image's colours")
    sp.add_argument("--size", type=int, default=33, help="cube size (default 33; 65 is finer)")
    sp.add_argument("--colorspace", default=None, help="space of an EXR --for image")
    sp.set_defaults(fn=cmd_export)
