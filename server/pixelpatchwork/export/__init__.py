"""Research export of a room: a dataset folder or zip (pictures, masks, CSV and JSON tables,
COCO masks, README), written one file at a time."""

from .dataset import Entry, ExportPlan, dataset_entries, plan_export
from .sinks import write_folder, write_zip, zip_stream

__all__ = ["Entry", "ExportPlan", "dataset_entries", "plan_export", "write_folder", "write_zip", "zip_stream"]
