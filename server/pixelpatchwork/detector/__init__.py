"""AI or human? A small convolutional detector that tells AI-made images from human-made ones.

Built to test *why* such a detector works (after the ArtBecomeHuman experiment, whose
classifier scored nearly perfectly on its own data and generalised poorly to other sources):
training flags remove one suspected shortcut each (colour saturation, watermarks, image
quality), evaluation reports every source folder on its own, and Grad-CAM shows where the
model looks for a chosen class.

Modules: ``data`` (folders to labelled samples), ``augment`` (the ablations), ``model`` (the
CNN), ``train`` (the training loop), ``checkpoint`` (saving and loading), ``metrics``
(accuracy, ROC AUC, calibration), ``evaluate`` (per-source rows, tables, plots), ``gradcam``
(class-aware heatmaps), ``plots`` (figures drawn with Pillow), ``room`` (scoring a room's
images for the analytics page), ``cli`` (the ``pixelpatchwork detector`` subcommands).

PyTorch is an optional extra (``pip install -e '.[detector]'``): this package's ``__init__``,
``data``, ``augment``, ``metrics``, ``plots``, ``room`` and ``cli`` import without it; the others need it.
"""

from __future__ import annotations

INSTALL_HINT = "PyTorch is not installed; install the detector extra: pip install -e '.[detector]'"
CLASSES = ("human", "ai")  # index 1 is the positive class: a score is P(ai)


class DetectorError(Exception):
    """Input the detector cannot use (folders, images, checkpoints); the message says why in one line."""
