"""Sketch labels: the shared label palette, the deterministic label-map rasterizer, stroke
checks, COCO export and import of labelme annotations.

Modules: `labels` (shared/labels.json), `raster` (strokes to a label map), `validate`
(strokes from clients), `coco` (label maps to and from COCO), `labelme` (labelme to COCO).
"""
