"""`render --format png` delivers BT.1886 (Rec.709) values and the PNG says so (cICP, no sRGB)."""

from __future__ import annotations

from pathlib import Path

import OpenImageIO as oiio
from pngkit import png_chunks

from workbench.cli import main


def test_rendered_png_is_tagged_as_its_delivery_space(capsys, dailies: Path, title_dir: Path,
                                                      tmp_path: Path):
    for args in (("init", title_dir), ("ingest", title_dir, dailies / "face.mov"),
                 ("propose", title_dir), ("decide", title_dir, "face_001", "accept"),
                 ("render", title_dir, "--out", tmp_path / "png", "--format", "png")):
        assert main(["-q", *map(str, args)]) == 0, capsys.readouterr().err
    pngs = sorted((tmp_path / "png" / "face_001").glob("*.png"))
    assert len(pngs) == 12
    chunks = png_chunks(pngs[0])
    assert chunks["cICP"] == bytes([1, 1, 0, 1])  # BT.709 primaries and transfer, RGB, full
    assert "sRGB" not in chunks
    assert int.from_bytes(chunks.get("gAMA", b"\x00\x00\xa2\xc3"), "big") == 41667  # 1/2.4
    inp = oiio.ImageInput.open(str(pngs[0]))
    assert inp.spec().getattribute("CICP") == (1, 1, 0, 1)
    inp.close()
