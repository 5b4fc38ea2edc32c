"""Keys, mattes, the per-title matte model, compositing and plate matching.

Mattes are ``(B,1,H,W)`` float32 tensors; images are ``(B,3,H,W)`` float32 in the title's linear
working space. Import the submodule that holds what you need (``workbench.matte.chroma``,
``workbench.matte.composite``...): this package re-exports nothing, so importing one part never
pulls in the others.
"""
