"""Industry interchange: ASC CDL files and OpenTimelineIO timelines."""

from workbench.interchange.cdl import read_cc, write_cc
from workbench.interchange.timeline import Delivered, delivery_timeline, write_timeline

__all__ = ["Delivered", "delivery_timeline", "read_cc", "write_cc", "write_timeline"]
